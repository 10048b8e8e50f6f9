"""Section 1, regularization: public tests of gradlab.regularizers.

Run with pytest (`make check`) or in the notebook with grader.check("q1"): see support/otter_cases.py.
"""
import numpy as np

from gradlab import regularizers
from tests.support.contract import array, number, returned
from tests.support.numeric import assert_gradient
from tests.support.otter_cases import otter_cases

OK_FORMAT = False  # otter: a Python-format test file
name = "q1"

# Two entries at 0, where L1 has a kink: checked separately, not by differences.
W = np.array([[0.5, -1.0, 0.0], [2.0, -0.25, 1.5]])
W_SMOOTH = np.array([[0.5, -1.0, 0.75], [2.0, -0.25, 1.5]])


def test_l2():
    W_in = W.copy()
    R, dW = returned(regularizers.l2(W_in), ("R", "dW"), "l2")
    R = number(R, "R of l2")
    assert np.array_equal(W_in, W), "l2 modified its input W"
    assert np.isclose(R, 7.5625), f"l2(W) should be sum(W**2) = 7.5625, got {R}"
    assert_gradient(dW, lambda w: regularizers.l2(w)[0], W, "dW of l2")


def test_l1():
    W_in = W.copy()
    R, dW = returned(regularizers.l1(W_in), ("R", "dW"), "l1")
    R, dW = number(R, "R of l1"), array(dW, "dW of l1", W.shape)
    assert np.array_equal(W_in, W), "l1 modified its input W"
    assert np.isclose(R, 5.25), f"l1(W) should be sum(|W|) = 5.25, got {R}"
    assert dW[0, 2] == 0.0, "the subgradient of l1 at W = 0 should be 0"
    _, dW_smooth = regularizers.l1(W_SMOOTH.copy())
    assert_gradient(dW_smooth, lambda w: regularizers.l1(w)[0], W_SMOOTH, "dW of l1")


def test_elastic_net():
    W_in = W.copy()
    R, dW = returned(regularizers.elastic_net(W_in, beta=0.3), ("R", "dW"), "elastic_net")
    R, dW = number(R, "R of elastic_net"), array(dW, "dW of elastic_net", W.shape)
    assert np.array_equal(W_in, W), "elastic_net modified its input W"
    assert np.isclose(R, 0.3 * 7.5625 + 5.25), f"elastic_net(W, 0.3) should be 7.51875, got {R}"
    assert dW[0, 2] == 0.0, "the subgradient of elastic_net at W = 0 should be 0"
    _, dW_smooth = regularizers.elastic_net(W_SMOOTH.copy(), beta=0.3)
    assert_gradient(dW_smooth, lambda w: regularizers.elastic_net(w, beta=0.3)[0], W_SMOOTH,
                    "dW of elastic_net")
    R_default = number(regularizers.elastic_net(W.copy())[0], "R of elastic_net")
    assert np.isclose(R_default, 0.5 * 7.5625 + 5.25), "elastic_net's beta should default to 0.5"


globals().update(otter_cases(globals()))
