"""Reference optimization: update rules, minibatches, gradient descent and the training loop."""
import numpy as np
import pytest

from gradlab import optim
from numdiff import readonly


def test_sgd_default_learning_rate():
    w, config = optim.sgd(np.array([1.0, 2.0]), np.array([10.0, -20.0]))
    assert np.allclose(w, [0.9, 2.2]) and config["learning_rate"] == 1e-2


def test_sgd_several_steps_keep_the_given_rate():
    w, config = np.array([1.0, -1.0]), {"learning_rate": 0.5}
    for dw in ([1.0, 2.0], [-4.0, 0.0], [0.5, 0.5]):
        w, config = optim.sgd(w, np.array(dw), config)
    assert np.allclose(w, [1.0 - 0.5 * (1 - 4 + 0.5), -1.0 - 0.5 * (2 + 0 + 0.5)])
    assert config == {"learning_rate": 0.5}


def test_sgd_momentum_defaults():
    w, config = optim.sgd_momentum(np.array([1.0, 2.0]), np.array([10.0, -20.0]))
    assert config["learning_rate"] == 1e-2 and config["momentum"] == 0.9
    assert np.allclose(config["velocity"], [-0.1, 0.2]) and np.allclose(w, [0.9, 2.2])


@pytest.mark.parametrize("config", [None, {"learning_rate": 0.1, "momentum": 0.5}])
def test_sgd_momentum_several_steps(config):
    lr, mu = (1e-2, 0.9) if config is None else (config["learning_rate"], config["momentum"])
    rng = np.random.default_rng(0)
    grads = rng.normal(size=(5, 3, 2))
    w = rng.normal(size=(3, 2))
    expected_w, v = w.copy(), np.zeros((3, 2))
    for dw in grads:
        v = mu * v - lr * dw
        expected_w = expected_w + v
        w, config = optim.sgd_momentum(w, dw, config)
        assert np.allclose(config["velocity"], v, rtol=1e-13)
    assert np.allclose(w, expected_w, rtol=1e-13)


def indexed_rows(N):
    """Rows that say where they come from: X[i] = [i, i], y[i] = i."""
    return np.repeat(np.arange(N, dtype=float)[:, None], 2, axis=1), np.arange(N)


@pytest.mark.parametrize("batch_size", [1, 7, 20])
def test_sample_minibatch_distinct_aligned_rows(batch_size):
    X, y = indexed_rows(20)
    rng = np.random.default_rng(1)
    X_batch, y_batch = optim.sample_minibatch(readonly(X), readonly(y), batch_size, rng)
    assert X_batch.shape == (batch_size, 2) and y_batch.shape == (batch_size,)
    assert len(set(y_batch.tolist())) == batch_size
    assert np.array_equal(X_batch[:, 0], y_batch) and np.array_equal(X_batch[:, 1], y_batch)
    assert np.array_equal(X, indexed_rows(20)[0])


def test_sample_minibatch_keeps_trailing_dimensions():
    X = np.arange(10 * 2 * 3, dtype=float).reshape(10, 2, 3)
    X_batch, y_batch = optim.sample_minibatch(X, np.arange(10), 4, np.random.default_rng(2))
    assert X_batch.shape == (4, 2, 3) and np.array_equal(X_batch, X[y_batch])


def test_sample_minibatch_uses_the_given_generator():
    X, y = indexed_rows(50)
    first = optim.sample_minibatch(X, y, 10, np.random.default_rng(7))[1]
    assert np.array_equal(first, optim.sample_minibatch(X, y, 10, np.random.default_rng(7))[1])
    rng = np.random.default_rng(7)
    draws = [optim.sample_minibatch(X, y, 10, rng)[1] for _ in range(3)]
    assert np.array_equal(draws[0], first)
    assert not np.array_equal(draws[0], draws[1]) and not np.array_equal(draws[1], draws[2])


def test_sample_minibatch_covers_rows_uniformly():
    X, y = indexed_rows(20)
    rng = np.random.default_rng(3)
    counts = np.bincount(np.concatenate([optim.sample_minibatch(X, y, 5, rng)[1] for _ in range(2000)]),
                         minlength=20)
    # Each row is expected 500 times, with a standard deviation of about 19.
    assert counts.min() > 420 and counts.max() < 580


A, B, C = 1.0, 2.0, 0.5  # a w1^2 + b w2^2 + c w1 w2, a bowl since 4ab > c^2


def bowl(w):
    loss = A * w[0] ** 2 + B * w[1] ** 2 + C * w[0] * w[1]
    return loss, np.array([2 * A * w[0] + C * w[1], 2 * B * w[1] + C * w[0]])


def test_gradient_descent_converges_on_a_quadratic_bowl():
    w0 = readonly([3.0, -2.0], dtype=float)
    w, losses = optim.gradient_descent(bowl, w0, 0.1, 200)
    assert np.allclose(w, 0.0, atol=1e-8)
    assert len(losses) == 200 and all(isinstance(v, float) for v in losses)
    assert all(a > b for a, b in zip(losses, losses[1:]))
    assert np.array_equal(w0, [3.0, -2.0])


def test_gradient_descent_records_the_loss_before_each_step():
    w, losses = optim.gradient_descent(bowl, np.array([1.0, 1.0]), 0.05, 5)
    iterate = np.array([1.0, 1.0])
    for t in range(5):
        loss, grad = bowl(iterate)
        assert losses[t] == pytest.approx(loss, rel=1e-14)
        iterate = iterate - 0.05 * grad
    assert np.allclose(w, iterate, rtol=1e-14)


class StubModel:
    """A model whose gradient is constant per parameter; it records every batch it sees."""

    def __init__(self):
        self.params = {"a": np.zeros(3), "b": np.zeros((2, 2))}
        self.batches = []

    def loss(self, X, y):
        self.batches.append(y.copy())
        loss = float(len(self.batches))
        return loss, {"a": np.ones(3), "b": np.full((2, 2), 2.0)}


def test_train_returns_model_losses_and_draws_batches_with_default_rng():
    X, y = indexed_rows(30)
    model = StubModel()
    history = optim.train(model, readonly(X), readonly(y), batch_size=4, num_iters=6, seed=5)
    assert history["loss"] == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    rng = np.random.default_rng(5)
    for seen in model.batches:
        assert np.array_equal(seen, optim.sample_minibatch(X, y, 4, rng)[1])


def test_train_gives_each_parameter_its_own_config():
    X, y = indexed_rows(30)
    model = StubModel()
    optim_config = {"learning_rate": 0.1, "momentum": 0.5}
    optim.train(model, X, y, update_rule="sgd_momentum", optim_config=optim_config, batch_size=4,
                num_iters=4)
    # Own velocity per parameter: after T steps with constant g, w = -lr g sum_t sum_{k<t} mu^k.
    factor = -0.1 * sum(sum(0.5 ** k for k in range(t)) for t in range(1, 5))
    assert np.allclose(model.params["a"], factor * 1.0) and np.allclose(model.params["b"], factor * 2.0)
    assert optim_config == {"learning_rate": 0.1, "momentum": 0.5}


def test_train_accepts_a_callable_rule_with_state_in_config():
    def counting_rule(w, dw, config):
        config["calls"] = config.get("calls", 0) + 1
        return w + config["calls"], config
    model = StubModel()
    optim.train(model, *indexed_rows(30), update_rule=counting_rule, batch_size=4, num_iters=5)
    # 1 + 2 + ... + 5 when every parameter counts its own calls.
    assert np.array_equal(model.params["a"], np.full(3, 15.0))
    assert np.array_equal(model.params["b"], np.full((2, 2), 15.0))


def test_train_rule_name_and_callable_agree_and_are_deterministic():
    X, y = indexed_rows(30)
    results = []
    for rule, seed in [("sgd", 0), (optim.sgd, 0), ("sgd", 0), ("sgd", 1)]:
        model = StubModel()
        optim.train(model, X, y, update_rule=rule, optim_config={"learning_rate": 0.3}, num_iters=3,
                    batch_size=5, seed=seed)
        assert np.allclose(model.params["a"], -0.9) and np.allclose(model.params["b"], -1.8)
        results.append(np.concatenate(model.batches))
    assert np.array_equal(results[0], results[1]) and np.array_equal(results[0], results[2])
    assert not np.array_equal(results[0], results[3])


def test_train_default_rule_is_sgd_with_default_rate():
    model = StubModel()
    optim.train(model, *indexed_rows(40), num_iters=10)
    assert np.allclose(model.params["a"], -0.1) and all(len(b) == 32 for b in model.batches)
