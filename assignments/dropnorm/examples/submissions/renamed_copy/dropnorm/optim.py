"""Stochastic gradient descent and a training loop (provided, complete)."""
import numpy as np


def sgd(w, dw, learning_rate):
    """One SGD step: returns w - learning_rate * dw (a new array)."""
    return w - learning_rate * dw


def train(model, X, y, learning_rate=0.1, batch_size=64, num_iters=500, seed=0):
    """Minibatch SGD on a model with .params and .loss(X, y, seed=...) -> (loss, grads).

    Inputs:
    - model: an object with a dict model.params and a method model.loss(X, y, seed) returning
      (loss, grads), grads keyed like params; its params are replaced by the updated arrays.
    - X: float array of shape (N, D); y: int array of shape (N,).
    - learning_rate: float; batch_size: int; num_iters: int.
    - seed: int; one np.random.default_rng(seed) draws every minibatch (distinct rows) and
      the seed of every call to model.loss (so each iteration gets its own dropout masks).

    Returns:
    - history: dict with "loss": a list of num_iters floats, the minibatch losses.
    """
    rng = np.random.default_rng(seed)
    batch_size = min(batch_size, X.shape[0])
    losses = []
    for _ in range(num_iters):
        idx = rng.choice(X.shape[0], size=batch_size, replace=False)
        loss, grads = model.loss(X[idx], y[idx], seed=int(rng.integers(2 ** 31)))
        losses.append(float(loss))
        for name in model.params:
            model.params[name] = sgd(model.params[name], grads[name], learning_rate)
    return {"loss": losses}


def accuracy(model, X, y):
    """Fraction of rows of X whose predicted class (test mode: model.loss(X)) is y."""
    return float(np.mean(np.argmax(model.loss(X), axis=1) == y))
