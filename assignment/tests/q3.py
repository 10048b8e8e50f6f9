"""Section 3, activation functions: public tests of the activation and maxout layers.

Run with pytest (`make check`) or in the notebook with grader.check("q3"): see support/otter_cases.py.
"""
import numpy as np

from gradlab import layers
from tests.support.contract import array, returned
from tests.support.numeric import assert_backward
from tests.support.otter_cases import otter_cases

OK_FORMAT = False  # otter: a Python-format test file
name = "q3"

# Away from 0, where ReLU-like activations have a kink.
X = np.array([[-2.5, -0.7, -0.1], [0.3, 1.2, 3.0]])
DOUT = np.array([[0.4, -1.1, 0.9], [1.3, -0.2, 0.6]])


def _check_activation(activation, expected, **kwargs):
    """Forward values against expected (a function of X), backward against differences."""
    forward, backward = getattr(layers, activation + "_forward"), getattr(layers, activation + "_backward")
    x = X.copy()
    out, cache = returned(forward(x, **kwargs), ("out", "cache"), f"{activation}_forward")
    out = array(out, f"the output of {activation}_forward", X.shape)
    assert np.array_equal(x, X), f"{activation}_forward modified its input"
    assert np.allclose(out, expected(X)), f"{activation}_forward computes wrong values"
    dx = backward(DOUT.copy(), cache)
    assert_backward(lambda v: forward(v, **kwargs)[0], [dx], [X], DOUT, [f"dx of {activation}_backward"])


def test_relu():
    _check_activation("relu", lambda x: np.maximum(0.0, x))
    _, cache = returned(layers.relu_forward(np.array([0.0])), ("out", "cache"), "relu_forward")
    dx = array(layers.relu_backward(np.array([1.0]), cache), "dx of relu_backward", (1,))
    assert dx[0] == 0.0, "the ReLU derivative at 0 is 0"


def test_leaky_relu():
    _check_activation("leaky_relu", lambda x: np.maximum(0.1 * x, x))
    _check_activation("leaky_relu", lambda x: np.maximum(0.3 * x, x), alpha=0.3)


def test_sigmoid():
    _check_activation("sigmoid", lambda x: 1.0 / (1.0 + np.exp(-x)))
    out, cache = returned(layers.sigmoid_forward(np.array([-1e4, 1e4])), ("out", "cache"), "sigmoid_forward")
    assert np.array_equal(out, [0.0, 1.0]), "sigmoid_forward should give 0 and 1 at -1e4 and 1e4, without overflow"
    assert np.all(np.isfinite(layers.sigmoid_backward(np.ones(2), cache)))


def test_tanh():
    _check_activation("tanh", np.tanh)


def test_elu():
    _check_activation("elu", lambda x: np.where(x >= 0, x, np.exp(x) - 1.0))
    _check_activation("elu", lambda x: np.where(x >= 0, x, 2.0 * (np.exp(x) - 1.0)), alpha=2.0)


def test_maxout():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((4, 3)), rng.standard_normal((2, 3, 5)), rng.standard_normal((2, 5))
    out, cache = returned(layers.maxout_forward(x, w, b), ("out", "cache"), "maxout_forward")
    out = array(out, "the output of maxout_forward", (4, 5))
    assert np.allclose(out, np.maximum(x @ w[0] + b[0], x @ w[1] + b[1])), "maxout_forward computes wrong values"
    dout = rng.standard_normal((4, 5))
    grads = returned(layers.maxout_backward(dout, cache), ("dx", "dw", "db"), "maxout_backward")
    assert_backward(lambda *args: layers.maxout_forward(*args)[0], grads, [x, w, b], dout,
                    ["dx of maxout_backward", "dw of maxout_backward", "db of maxout_backward"])
    # A tie: both pieces equal; the first one takes the whole gradient.
    _, cache = layers.maxout_forward(np.ones((1, 1)), np.ones((2, 1, 1)), np.zeros((2, 1)))
    _, dw, db = returned(layers.maxout_backward(np.ones((1, 1)), cache), ("dx", "dw", "db"), "maxout_backward")
    db = array(db, "db of maxout_backward", (2, 1))
    assert db[0, 0] == 1.0 and db[1, 0] == 0.0, "on a tie, the first maximal piece takes the gradient"


globals().update(otter_cases(globals()))
