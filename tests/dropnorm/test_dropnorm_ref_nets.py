"""Reference DeepMLP: shapes, gradients against centered differences, and where batchnorm matters."""
import numpy as np
import pytest

from dropnorm import data, nets, optim
from numdiff import gradient, rel_err

CONFIGS = [{}, {"normalization": "batchnorm"}, {"dropout": 0.6}, {"normalization": "batchnorm", "dropout": 0.7},
           {"activation": "tanh", "normalization": "batchnorm"}]


def small_model(config):
    return nets.DeepMLP([3, 5, 4, 3], seed=1, **config)


@pytest.mark.parametrize("config", CONFIGS)
def test_gradients_against_centered_differences(config):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(6, 3)), rng.integers(3, size=6)
    model = small_model(config)
    for name in model.params:  # non-trivial gamma and beta
        model.params[name] = model.params[name] + 0.3 * rng.normal(size=model.params[name].shape)
    _, grads = model.loss(X, y, seed=7)
    assert set(grads) == set(model.params)
    for name, value in model.params.items():
        def f(v, name=name):
            probe = small_model(config)
            probe.params = {**model.params, name: v}
            return probe.loss(X, y, seed=7)[0]
        assert rel_err(grads[name], gradient(f, value)) < 1e-6, name


def test_parameters_and_bn_params():
    model = nets.DeepMLP([2, 4, 3, 5], normalization="batchnorm")
    assert sorted(model.params) == ["W1", "W2", "W3", "b1", "b2", "b3", "beta1", "beta2", "gamma1", "gamma2"]
    assert [p["running_mean"].shape for p in model.bn_params] == [(4,), (3,)]
    assert nets.DeepMLP([2, 4, 5]).bn_params == []


def test_test_mode_scores_use_the_running_averages_and_no_dropout():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(10, 3)), rng.integers(3, size=10)
    model = small_model({"normalization": "batchnorm", "dropout": 0.5})
    before = model.loss(X)
    assert np.array_equal(before, model.loss(X)), "test mode draws nothing"
    model.loss(X, y, seed=0)
    assert not np.array_equal(before, model.loss(X)), "a train pass updates the running averages"


def test_dropout_seed_per_layer():
    X, y = np.random.default_rng(2).normal(size=(4, 3)), np.array([0, 1, 2, 0])
    model = small_model({"dropout": 0.5})
    assert model.loss(X, y, seed=3)[0] == model.loss(X, y, seed=3)[0]
    assert model.loss(X, y, seed=3)[0] != model.loss(X, y, seed=4)[0]


def test_bad_options():
    for kwargs in ({"activation": "elu"}, {"normalization": "layernorm"}, {"dropout": 0.0}):
        with pytest.raises(ValueError):
            nets.DeepMLP([2, 3, 2], **kwargs)


def test_batchnorm_lets_a_deep_sigmoid_net_train():
    # The training check's setting (assignments/dropnorm/checks/training.py) on one seed.
    X, y = data.spirals(300, seed=0)
    accuracy = {}
    for normalization in (None, "batchnorm"):
        model = nets.DeepMLP([2] + [32] * 6 + [3], activation="sigmoid", normalization=normalization, seed=0)
        optim.train(model, X, y, learning_rate=0.5, batch_size=64, num_iters=600, seed=0)
        accuracy[normalization] = optim.accuracy(model, X, y)
    assert accuracy["batchnorm"] > 0.9 and accuracy[None] < 0.5, accuracy
