"""Section 2, batch normalization: public tests of batchnorm_forward and batchnorm_backward.

Run with pytest (`make check`) or in the notebook with grader.check("q2"): see support/otter_cases.py.
"""
import numpy as np

from dropnorm.batchnorm import batchnorm_backward, batchnorm_forward
from tests.support.contract import array, returned
from tests.support.numeric import assert_backward
from tests.support.otter_cases import otter_cases

OK_FORMAT = False  # otter: a Python-format test file
name = "q2"

# Batch mean (2, 4) and biased variance (1, 4): worked out by hand in the notebook.
X = np.array([[1.0, 2.0], [3.0, 6.0]])
GAMMA, BETA = np.array([1.0, 2.0]), np.array([0.0, 1.0])
RNG = np.random.default_rng(0)
X5, G5, B5, DOUT5 = RNG.normal(size=(5, 3)), RNG.normal(size=3), RNG.normal(size=3), RNG.normal(size=(5, 3))


def test_train_mode_by_hand():
    bn_param = {"mode": "train", "eps": 0.0}
    out, _ = returned(batchnorm_forward(X.copy(), GAMMA, BETA, bn_param), ("out", "cache"), "batchnorm_forward")
    out = array(out, "the output of batchnorm_forward", X.shape)
    assert np.allclose(out, [[-1.0, -1.0], [1.0, 3.0]]), \
        "train mode: gamma * (x - mean) / sqrt(var + eps) + beta with the batch mean and biased variance"


def test_running_averages():
    bn_param = {"mode": "train", "eps": 0.0}
    batchnorm_forward(X.copy(), GAMMA, BETA, bn_param)
    assert "running_mean" in bn_param and "running_var" in bn_param, "train mode stores the running averages"
    assert np.allclose(bn_param["running_mean"], [0.2, 0.4]), "running_mean = 0.9 * 0 + 0.1 * batch mean"
    assert np.allclose(bn_param["running_var"], [1.0, 1.3]), "running_var = 0.9 * 1 + 0.1 * batch variance"


def test_test_mode_uses_the_running_averages():
    bn_param = {"mode": "test", "eps": 0.0, "running_mean": np.array([1.0, 2.0]), "running_var": np.array([4.0, 1.0])}
    out, _ = returned(batchnorm_forward(X.copy(), GAMMA, BETA, bn_param), ("out", "cache"), "batchnorm_forward")
    assert np.allclose(array(out, "the test-mode output", X.shape), [[0.0, 1.0], [1.0, 9.0]]), \
        "test mode normalizes with running_mean and running_var"


def test_backward_train_mode():
    _, cache = batchnorm_forward(X5.copy(), G5, B5, {"mode": "train"})
    grads = returned(batchnorm_backward(DOUT5.copy(), cache), ("dx", "dgamma", "dbeta"), "batchnorm_backward")
    assert_backward(lambda x, g, b: batchnorm_forward(x, g, b, {"mode": "train"})[0], grads, [X5, G5, B5], DOUT5,
                    ["dx", "dgamma", "dbeta"], tol=1e-5)


globals().update(otter_cases(globals()))
