"""Reference batchnorm: hand-worked values, running averages, gradients, output statistics."""
import numpy as np
import pytest

from dropnorm.batchnorm import batchnorm_backward, batchnorm_forward
from numdiff import gradient_array, rel_err

X = np.array([[1.0, 2.0], [3.0, 6.0]])  # batch mean (2, 4), biased variance (1, 4)
GAMMA, BETA = np.array([1.0, 2.0]), np.array([0.0, 1.0])


def test_train_mode_by_hand():
    bn_param = {"mode": "train", "eps": 0.0}
    out, _ = batchnorm_forward(X.copy(), GAMMA, BETA, bn_param)
    assert np.allclose(out, [[-1.0, -1.0], [1.0, 3.0]])
    # From the defaults (zeros, ones) with momentum 0.9: 0.1 * mean and 0.9 + 0.1 * var.
    assert np.allclose(bn_param["running_mean"], [0.2, 0.4])
    assert np.allclose(bn_param["running_var"], [1.0, 1.3])


def test_test_mode_by_hand_uses_the_running_averages():
    bn_param = {"mode": "test", "eps": 0.0, "running_mean": np.array([1.0, 2.0]), "running_var": np.array([4.0, 1.0])}
    out, _ = batchnorm_forward(X.copy(), GAMMA, BETA, bn_param)
    assert np.allclose(out, [[0.0, 1.0], [1.0, 9.0]])
    assert np.array_equal(bn_param["running_mean"], [1.0, 2.0]) and np.array_equal(bn_param["running_var"], [4.0, 1.0])


def test_momentum_and_eps_are_read():
    bn_param = {"mode": "train", "momentum": 0.5, "running_mean": np.ones(2), "running_var": np.ones(2)}
    batchnorm_forward(X.copy(), GAMMA, BETA, bn_param)
    assert np.allclose(bn_param["running_mean"], [1.5, 2.5]) and np.allclose(bn_param["running_var"], [1.0, 2.5])


def test_train_output_statistics():
    rng = np.random.default_rng(0)
    x = 5.0 + 3.0 * rng.normal(size=(200, 4))
    gamma, beta = np.array([1.0, 2.0, 0.5, 3.0]), np.array([0.0, -1.0, 4.0, 0.5])
    out, _ = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    assert np.allclose(out.mean(axis=0), beta, atol=1e-10)
    assert np.allclose(out.std(axis=0), gamma, rtol=1e-5)  # eps = 1e-5 against a variance of ~9


def test_running_averages_converge_to_the_data_statistics():
    rng = np.random.default_rng(1)
    bn_param = {"mode": "train"}
    for _ in range(200):
        batchnorm_forward(2.0 + 0.5 * rng.normal(size=(64, 3)), np.ones(3), np.zeros(3), bn_param)
    assert np.allclose(bn_param["running_mean"], 2.0, atol=0.05)
    assert np.allclose(bn_param["running_var"], 0.25, atol=0.05)


@pytest.mark.parametrize("mode", ["train", "test"])
def test_backward_matches_centered_differences(mode):
    rng = np.random.default_rng(2)
    x, gamma, beta, dout = rng.normal(size=(5, 3)), rng.normal(size=3), rng.normal(size=3), rng.normal(size=(5, 3))
    stats = {"running_mean": rng.normal(size=3), "running_var": rng.uniform(0.5, 2.0, size=3)}

    def forward(x, gamma, beta):
        return batchnorm_forward(x, gamma, beta, {"mode": mode, **stats})[0]

    _, cache = batchnorm_forward(x, gamma, beta, {"mode": mode, **stats})
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    assert rel_err(dx, gradient_array(lambda v: forward(v, gamma, beta), x, dout)) < 1e-6
    assert rel_err(dgamma, gradient_array(lambda v: forward(x, v, beta), gamma, dout)) < 1e-7
    assert rel_err(dbeta, gradient_array(lambda v: forward(x, gamma, v), beta, dout)) < 1e-7


def test_train_dx_sums_to_zero_over_the_batch():
    # The output does not change when a constant is added to a column: dx sums to 0 per feature.
    rng = np.random.default_rng(3)
    _, cache = batchnorm_forward(rng.normal(size=(8, 4)), rng.normal(size=4), rng.normal(size=4), {"mode": "train"})
    dx, _, _ = batchnorm_backward(rng.normal(size=(8, 4)), cache)
    assert np.allclose(dx.sum(axis=0), 0.0, atol=1e-12)


def test_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        batchnorm_forward(X, GAMMA, BETA, {"mode": "eval"})
