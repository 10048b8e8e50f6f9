"""Reference classifiers: shapes, gradients against centered differences, regularization, init."""
import itertools

import numpy as np
import pytest

from gradlab import nets
from numdiff import gradient, readonly, rel_err

ACTIVATIONS = ["relu", "leaky_relu", "sigmoid", "tanh", "elu"]
# The tests' own definitions, to recompute scores from hand-set parameters.
OWN_ACTIVATIONS = {
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.1 * z),
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "elu": lambda z: np.where(z >= 0, z, np.exp(np.minimum(z, 0.0)) - 1.0),
}
OWN_PENALTIES = {
    "l2": lambda W: np.sum(W ** 2),
    "l1": lambda W: np.sum(np.abs(W)),
    "elastic_net": lambda W: np.sum(0.5 * W ** 2 + np.abs(W)),
}


def batch(seed, N=6, D=3, C=3):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, D)), rng.integers(C, size=N)


def with_random_biases(model, seed):
    """Nonzero biases, so that their gradients and their exclusion from R are really tested."""
    rng = np.random.default_rng(seed)
    for name, value in model.params.items():
        if name.startswith("b"):
            model.params[name] = rng.normal(scale=0.5, size=value.shape)
    return model


def assert_gradients_match(model, X, y, tol=1e-6):
    """Every analytic gradient of model.loss against centered differences.

    1e-6, not 1e-7: rounding of a loss of size ~1 limits the differences to ~1e-11 absolute,
    which is ~1e-7 relative on the smallest entries (~1e-4); a wrong gradient is off by far more.
    """
    loss, grads = model.loss(X, y)
    assert isinstance(loss, float) and grads.keys() == model.params.keys()
    for name, value in model.params.items():
        assert grads[name].shape == value.shape

        def f(p, name=name):
            saved = model.params[name]
            model.params[name] = p
            try:
                return model.loss(X, y)[0]
            finally:
                model.params[name] = saved
        assert rel_err(grads[name], gradient(f, value)) < tol, name


def test_mlp_parameter_shapes():
    model = nets.MLP([4, 5, 6, 3])
    shapes = {name: value.shape for name, value in model.params.items()}
    assert shapes == {"W1": (4, 5), "b1": (5,), "W2": (5, 6), "b2": (6,), "W3": (6, 3), "b3": (3,)}


def test_linear_classifier_parameter_shapes_and_scores():
    model = with_random_biases(nets.LinearClassifier(4, 3), 0)
    assert {name: value.shape for name, value in model.params.items()} == {"W": (4, 3), "b": (3,)}
    X = np.random.default_rng(1).normal(size=(5, 4))
    assert np.allclose(model.scores(X), X @ model.params["W"] + model.params["b"])


@pytest.mark.parametrize("activation, loss, reg_type",
                         list(itertools.product(ACTIVATIONS, ["softmax", "svm"], OWN_PENALTIES)))
def test_mlp_gradients_match_centered_differences(activation, loss, reg_type):
    model = nets.MLP([3, 5, 4, 3], activation=activation, loss=loss, reg=0.3, reg_type=reg_type, seed=1)
    assert_gradients_match(with_random_biases(model, 2), *batch(3))


@pytest.mark.parametrize("loss, reg_type, reg", [("softmax", "l2", 0.0), ("svm", "l2", 0.0)]
                         + list(itertools.product(["softmax", "svm"], OWN_PENALTIES, [0.2])))
def test_linear_classifier_gradients_match_centered_differences(loss, reg_type, reg):
    model = nets.LinearClassifier(3, 3, loss=loss, reg=reg, reg_type=reg_type, weight_scale=1.0, seed=4)
    assert_gradients_match(with_random_biases(model, 5), *batch(6))


@pytest.mark.parametrize("reg_type", OWN_PENALTIES)
@pytest.mark.parametrize("make", [lambda **kw: nets.MLP([3, 4, 3], seed=7, **kw),
                                  lambda **kw: nets.LinearClassifier(3, 3, seed=7, **kw)],
                         ids=["mlp", "linear"])
def test_only_weights_are_regularized(make, reg_type):
    X, y = batch(8)
    plain = with_random_biases(make(), 9)
    regularized = make(reg=2.5, reg_type=reg_type)
    regularized.params = {name: value.copy() for name, value in plain.params.items()}
    loss0, grads0 = plain.loss(X, y)
    loss1, grads1 = regularized.loss(X, y)
    weights = [name for name in plain.params if name.startswith("W")]
    penalty = sum(OWN_PENALTIES[reg_type](plain.params[name]) for name in weights)
    assert loss1 == pytest.approx(loss0 + 2.5 * penalty, rel=1e-12)
    for name in plain.params:
        if name in weights:
            assert not np.allclose(grads1[name], grads0[name])
        else:
            assert np.array_equal(grads1[name], grads0[name])


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_params_set_by_hand_are_used(activation):
    rng = np.random.default_rng(10)
    model = nets.MLP([2, 3, 2], activation=activation)
    hand = {"W1": rng.normal(size=(2, 3)), "b1": rng.normal(size=3),
            "W2": rng.normal(size=(3, 2)), "b2": rng.normal(size=2)}
    for name, value in hand.items():
        model.params[name] = value
    X = rng.normal(size=(4, 2))
    expected = OWN_ACTIVATIONS[activation](X @ hand["W1"] + hand["b1"]) @ hand["W2"] + hand["b2"]
    assert np.allclose(model.scores(X), expected, rtol=1e-12)
    assert np.array_equal(model.predict(X), np.argmax(expected, axis=1))


def test_loss_on_hand_set_linear_classifier():
    model = nets.LinearClassifier(2, 2, loss="svm")
    model.params["W"] = np.array([[1.0, 0.0], [0.0, 1.0]])
    model.params["b"] = np.array([0.0, 0.5])
    # Scores [[1, 0.5], [2, 0.5]]; labels [1, 0]: hinge terms 1.5 and 0.
    loss, _ = model.loss(np.array([[1.0, 0.0], [2.0, 0.0]]), np.array([1, 0]))
    assert loss == pytest.approx(0.75)


def test_predict_is_argmax_of_scores():
    model = with_random_biases(nets.MLP([3, 8, 4], seed=11), 12)
    X = np.random.default_rng(13).normal(size=(20, 3))
    pred = model.predict(X)
    assert pred.shape == (20,) and np.issubdtype(pred.dtype, np.integer)
    assert np.array_equal(pred, np.argmax(model.scores(X), axis=1))


def test_inputs_not_modified_and_deterministic():
    X, y = batch(14)
    model = nets.MLP([3, 4, 3], reg=0.1, seed=15)
    Xr, yr = readonly(X), readonly(y)
    first, second = model.loss(Xr, yr), model.loss(Xr, yr)
    assert first[0] == second[0] and all(np.array_equal(first[1][k], second[1][k]) for k in first[1])
    assert np.array_equal(Xr, X) and np.array_equal(yr, y)


@pytest.mark.parametrize("make", [lambda seed: nets.MLP([3, 4, 2], seed=seed),
                                  lambda seed: nets.LinearClassifier(3, 2, seed=seed)],
                         ids=["mlp", "linear"])
def test_initialization_deterministic_per_seed(make):
    a, b, c = make(0), make(0), make(1)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert any(not np.array_equal(a.params[k], c.params[k]) for k in a.params)


def test_weight_scale_none_depends_on_activation():
    fan_in = 400
    stds = {act: nets.MLP([fan_in, 300, 2], activation=act).params["W1"].std() for act in ACTIVATIONS}
    assert stds["relu"] > 1.2 * stds["tanh"]
    for std in stds.values():
        assert 0.5 < std * np.sqrt(fan_in) < 3.0


def test_explicit_weight_scale_is_the_standard_deviation():
    model = nets.MLP([200, 300, 2], activation="relu", weight_scale=0.05)
    assert model.params["W1"].std() == pytest.approx(0.05, rel=0.02)
    assert nets.LinearClassifier(200, 300).params["W"].std() == pytest.approx(1e-2, rel=0.02)
