"""Section 7, neural networks on the hard cases: public tests of gradlab.nets.MLP.

Run with pytest (`make check`) or in the notebook with grader.check("q7"): see support/otter_cases.py.
"""
import numpy as np

from gradlab import data, nets, optim
from tests.support.contract import array, describe, number, returned
from tests.support.numeric import assert_gradient
from tests.support.otter_cases import otter_cases

OK_FORMAT = False  # otter: a Python-format test file
name = "q7"


def _check_gradients(model, X, y):
    _, grads = returned(model.loss(X, y), ("loss", "grads"), "MLP.loss")
    assert isinstance(grads, dict) and sorted(grads) == sorted(model.params), \
        f"grads should be a dict with the keys of params {sorted(model.params)}, got {describe(grads)}" + (
            f" with the keys {sorted(grads)}" if isinstance(grads, dict) else "")
    for param, original in list(model.params.items()):
        def f(value, param=param):
            model.params[param] = value
            return model.loss(X, y)[0]
        assert_gradient(grads[param], f, original, f"grads[{param!r}] of MLP.loss")
        model.params[param] = original


def test_mlp_scores_are_the_lecture_formula():
    # f = W2 max(0, W1 x), with row vectors: scores = max(0, X W1 + b1) W2 + b2.
    rng = np.random.default_rng(0)
    model = nets.MLP([3, 4, 2])
    for param in model.params:
        model.params[param] = rng.standard_normal(model.params[param].shape)
    X = rng.standard_normal((5, 3))
    p = model.params
    expected = np.maximum(0, X @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
    scores = array(model.scores(X), "MLP.scores", (5, 2))
    assert np.allclose(scores, expected), "MLP.scores should be max(0, X W1 + b1) W2 + b2"
    assert np.array_equal(array(model.predict(X), "MLP.predict", (5,), dtype=None), expected.argmax(axis=1)), \
        "MLP.predict should give the class of the highest score"


def test_two_layer_gradients():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((6, 3)), rng.integers(4, size=6)
    _check_gradients(nets.MLP([3, 5, 4], reg=0.1, seed=2), X, y)


def test_three_layer_gradients():
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((5, 3)), rng.integers(3, size=5)
    model = nets.MLP([3, 4, 4, 3], activation="tanh", loss="svm", reg=0.05, reg_type="elastic_net", seed=4)
    _check_gradients(model, X, y)
    loss = number(model.loss(X, y)[0], "the loss of MLP.loss")
    data_loss = number(nets.MLP([3, 4, 4, 3], activation="tanh", loss="svm", seed=4).loss(X, y)[0],
                       "the loss of MLP.loss")
    penalty = sum(np.sum(0.5 * W ** 2 + np.abs(W)) for key, W in model.params.items() if key.startswith("W"))
    assert np.isclose(loss, data_loss + 0.05 * penalty), "the loss should add reg * R(W) for every weight matrix"


def test_two_layer_network_fits_the_ring():
    X, y = data.ring(200, seed=0)
    model = nets.MLP([2, 32, 2], seed=0)
    optim.train(model, X, y, update_rule="sgd_momentum", optim_config={"learning_rate": 0.1}, num_iters=500)
    accuracy = np.mean(model.predict(X) == y)
    assert accuracy >= 0.95, f"a two-layer ReLU network should fit the ring, training accuracy {accuracy:.2f}"


globals().update(otter_cases(globals()))
