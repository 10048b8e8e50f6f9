"""Section 6, gradient descent and minibatch SGD: public tests of gradlab.optim.

Run with pytest (`make check`) or in the notebook with grader.check("q6"): see support/otter_cases.py.
"""
import numpy as np

from gradlab import optim
from tests.support.contract import array, describe, floats, returned
from tests.support.otter_cases import otter_cases

OK_FORMAT = False  # otter: a Python-format test file
name = "q6"


def bowl(w, a=1.0, b=4.0, c=1.5):
    """The lecture's quadratic bowl a w1**2 + b w2**2 + c w1 w2 and its gradient."""
    loss = a * w[0] ** 2 + b * w[1] ** 2 + c * w[0] * w[1]
    return loss, np.array([2 * a * w[0] + c * w[1], 2 * b * w[1] + c * w[0]])


class LeastSquares:
    """A model for train: pred = X @ w + b, loss mean((pred - y)**2) / 2; params of two shapes."""

    def __init__(self):
        self.params = {"w": np.zeros(3), "b": np.zeros(1)}

    def loss(self, X, y):
        residual = X @ self.params["w"] + self.params["b"][0] - y
        N = X.shape[0]
        return float(residual @ residual / (2 * N)), {"w": X.T @ residual / N, "b": np.array([residual.sum() / N])}


def test_sgd():
    w, dw = np.array([1.0, -2.0]), np.array([0.5, 0.5])
    next_w, config = returned(optim.sgd(w.copy(), dw), ("next_w", "config"), "sgd")
    assert isinstance(config, dict), f"sgd should return its config dict, got {describe(config)}"
    assert np.allclose(next_w, [0.995, -2.005]), "sgd: next_w = w - learning_rate * dw, learning_rate 1e-2 by default"
    assert config["learning_rate"] == 1e-2
    next_w, _ = returned(optim.sgd(w.copy(), dw, {"learning_rate": 0.2}), ("next_w", "config"), "sgd")
    assert np.allclose(next_w, [0.9, -2.1]), "sgd should use config['learning_rate']"


def test_sgd_momentum():
    w, dw = np.array([1.0, -2.0]), np.array([0.5, 1.0])
    w1, config = returned(optim.sgd_momentum(w.copy(), dw, {"learning_rate": 0.1}), ("next_w", "config"),
                          "sgd_momentum")
    assert isinstance(config, dict) and "velocity" in config, \
        f"sgd_momentum should return config with the velocity under 'velocity', got {describe(config)}"
    assert np.allclose(config["velocity"], [-0.05, -0.1]) and np.allclose(w1, [0.95, -2.1]), \
        "first step: v = -learning_rate * dw, next_w = w + v"
    w2, config = returned(optim.sgd_momentum(w1.copy(), dw, config), ("next_w", "config"), "sgd_momentum")
    assert np.allclose(config["velocity"], [-0.095, -0.19]) and np.allclose(w2, [0.855, -2.29]), \
        "second step: v = momentum * v - learning_rate * dw with momentum 0.9 by default"


def test_sample_minibatch():
    X = np.arange(40.0).reshape(20, 2)
    y = np.arange(20)
    X_batch, y_batch = returned(optim.sample_minibatch(X, y, 8, np.random.default_rng(0)), ("X_batch", "y_batch"),
                                "sample_minibatch")
    X_batch = array(X_batch, "X_batch (a minibatch has batch_size rows)", (8, 2), dtype=None)
    y_batch = array(y_batch, "y_batch (a minibatch has batch_size rows)", (8,), dtype=None)
    assert np.array_equal(X_batch, X[y_batch]), "the rows of X_batch and y_batch must stay aligned"
    assert len(set(y_batch.tolist())) == 8, "a minibatch has distinct rows"
    again, _ = returned(optim.sample_minibatch(X, y, 8, np.random.default_rng(0)), ("X_batch", "y_batch"),
                        "sample_minibatch")
    assert np.array_equal(again, X_batch), "sample_minibatch must draw with the rng it is given"
    everything = array(optim.sample_minibatch(X, y, 20, np.random.default_rng(1))[0], "X_batch", (20, 2), dtype=None)
    assert sorted(everything[:, 0].tolist()) == X[:, 0].tolist(), "batch_size = N draws every row once"


def test_gradient_descent_on_the_bowl():
    w0 = np.array([2.0, -1.0])
    w, losses = returned(optim.gradient_descent(bowl, w0, 0.1, 1), ("w", "losses"), "gradient_descent")
    w, losses = array(w, "w from gradient_descent", (2,)), floats(losses, "losses from gradient_descent", 1)
    assert np.allclose(w, w0 - 0.1 * bowl(w0)[1]), "one step should be w0 - learning_rate * grad"
    assert losses == [bowl(w0)[0]], "losses[0] is the loss at w0, before the first step"
    w, losses = returned(optim.gradient_descent(bowl, w0, 0.1, 100), ("w", "losses"), "gradient_descent")
    w, losses = array(w, "w from gradient_descent", (2,)), floats(losses, "losses from gradient_descent", 100)
    assert np.array_equal(w0, [2.0, -1.0]), "gradient_descent modified w0"
    assert len(losses) == 100 and np.all(np.diff(losses) <= 0), "the loss should decrease at every step"
    assert np.allclose(w, 0.0, atol=1e-3), f"100 steps should reach the minimum at 0, got {w}"


def test_train():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3
    model = LeastSquares()
    history = optim.train(model, X, y, update_rule="sgd_momentum", optim_config={"learning_rate": 0.05},
                          batch_size=16, num_iters=200, seed=3)
    assert isinstance(history, dict) and isinstance(history.get("loss"), list), \
        f"train should return a dict {{'loss': a list of losses}}, got {describe(history)}" + (
            f" holding {describe(history.get('loss'))}" if isinstance(history, dict) else "")
    assert len(history["loss"]) == 200, "history['loss'] holds one loss per iteration"
    assert history["loss"][-1] < 1e-3 * history["loss"][0], "training should drive the loss down"
    assert np.allclose(model.params["w"], [1.0, -2.0, 0.5], atol=1e-2), "train should update model.params"
    other = LeastSquares()
    again = optim.train(other, X, y, update_rule="sgd_momentum", optim_config={"learning_rate": 0.05},
                        batch_size=16, num_iters=200, seed=3)
    assert again["loss"] == history["loss"], "train must be deterministic for a seed"
    calls = []

    def rule(w, dw, config):
        calls.append(config)
        config["step"] = config.get("step", 0) + 1
        return w - 0.01 * dw, config
    optim.train(LeastSquares(), X, y, update_rule=rule, optim_config={}, batch_size=8, num_iters=3)
    assert len(calls) == 6 and calls[-1]["step"] == 3, "each parameter keeps its own config across iterations"


globals().update(otter_cases(globals()))
