"""Section 1, dropout: public tests of dropout_forward and dropout_backward.

Run with pytest (`make check`) or in the notebook with grader.check("q1"): see support/otter_cases.py.
"""
import numpy as np

from dropnorm.dropout import dropout_backward, dropout_forward
from tests.support.contract import array, returned
from tests.support.numeric import assert_backward
from tests.support.otter_cases import otter_cases

OK_FORMAT = False  # otter: a Python-format test file
name = "q1"

X = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]])
DOUT = np.array([[0.3, -1.2, 0.8], [1.1, 0.4, -0.6]])


def test_train_mode_uses_the_seeded_mask():
    x = X.copy()
    out, _ = returned(dropout_forward(x, 0.6, "train", 0), ("out", "cache"), "dropout_forward")
    out = array(out, "the output of dropout_forward", X.shape)
    assert np.array_equal(x, X), "dropout_forward modified its input"
    mask = np.random.default_rng(0).random(X.shape) < 0.6
    assert np.allclose(out, X * mask / 0.6), \
        "train mode: out = x * mask / p with mask = np.random.default_rng(seed).random(x.shape) < p"


def test_same_seed_same_output():
    first = dropout_forward(X.copy(), 0.5, "train", 7)[0]
    assert np.array_equal(first, dropout_forward(X.copy(), 0.5, "train", 7)[0]), \
        "the same seed must give the same mask (draw it from np.random.default_rng(seed), no global state)"


def test_test_mode_is_the_identity():
    out, _ = returned(dropout_forward(X.copy(), 0.3, "test", 0), ("out", "cache"), "dropout_forward")
    assert np.allclose(array(out, "the test-mode output", X.shape), X), "test mode returns x unchanged"


def test_backward_train_mode():
    _, cache = dropout_forward(X.copy(), 0.6, "train", 1)
    dx = dropout_backward(DOUT.copy(), cache)
    assert_backward(lambda v: dropout_forward(v, 0.6, "train", 1)[0], [dx], [X], DOUT, ["dx of dropout_backward"])


def test_backward_test_mode():
    _, cache = dropout_forward(X.copy(), 0.6, "test", 1)
    dx = array(dropout_backward(DOUT.copy(), cache), "dx of dropout_backward", X.shape)
    assert np.allclose(dx, DOUT), "in test mode the gradient passes unchanged"


globals().update(otter_cases(globals()))
