"""Properties of the dropnorm reference over many shapes, keep probabilities and seeds (hypothesis)."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dropnorm.batchnorm import batchnorm_backward, batchnorm_forward
from dropnorm.dropout import dropout_backward, dropout_forward

shapes = st.tuples(st.integers(2, 12), st.integers(1, 6))
keep = st.floats(0.05, 1.0)
seeds = st.integers(0, 2 ** 32 - 1)


@settings(max_examples=60, deadline=None)
@given(shapes, keep, seeds)
def test_dropout_is_x_over_p_on_the_documented_mask(shape, p, seed):
    x = np.random.default_rng(seed).normal(size=shape)
    out, cache = dropout_forward(x, p, "train", seed)
    mask = np.random.default_rng(seed).random(shape) < p
    assert np.array_equal(out, np.where(mask, x / p, 0.0))
    dout = np.ones(shape)
    assert np.allclose(dropout_backward(dout, cache), mask / p)
    assert np.array_equal(dropout_forward(x, p, "test", seed)[0], x)


@settings(max_examples=20, deadline=None)
@given(keep, seeds)
def test_dropout_keeps_the_expectation(p, seed):
    # 20000 masks of one unit: the mean's standard deviation is sqrt((1 - p) / (20000 p)) <= 0.031
    # for p >= 0.05; 0.16 is over 5 of them.
    out, _ = dropout_forward(np.ones(20000), p, "train", seed)
    assert abs(out.mean() - 1.0) < 0.16


@settings(max_examples=60, deadline=None)
@given(shapes, seeds, st.floats(0.0, 0.99))
def test_batchnorm_train_statistics_and_running_averages(shape, seed, momentum):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-5, 5, size=shape[1]) + rng.uniform(0.5, 4, size=shape[1]) * rng.normal(size=shape)
    gamma, beta = rng.uniform(0.5, 2, size=shape[1]), rng.normal(size=shape[1])
    old_mean, old_var = rng.normal(size=shape[1]), rng.uniform(0.5, 2, size=shape[1])
    bn_param = {"mode": "train", "momentum": momentum, "running_mean": old_mean, "running_var": old_var}
    out, cache = batchnorm_forward(x, gamma, beta, bn_param)
    assert np.allclose(out.mean(axis=0), beta, atol=1e-9)
    var = x.var(axis=0)
    assert np.allclose(out.std(axis=0), gamma * np.sqrt(var / (var + 1e-5)), rtol=1e-9)
    assert np.allclose(bn_param["running_mean"], momentum * old_mean + (1 - momentum) * x.mean(axis=0))
    assert np.allclose(bn_param["running_var"], momentum * old_var + (1 - momentum) * var)
    # A constant added to a feature changes nothing downstream: dx sums to 0 over the batch.
    dx, _, _ = batchnorm_backward(rng.normal(size=shape), cache)
    assert np.allclose(dx.sum(axis=0), 0.0, atol=1e-9)
