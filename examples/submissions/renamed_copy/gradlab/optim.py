"""Optimization: update rules, minibatches, gradient descent and a training loop.

An update rule has the signature rule(w, dw, config) -> (next_w, config): w and dw are arrays
of the same shape, config is a dict of hyperparameters and state (None means the defaults).
"""
import numpy as np

def gradient_descent(f, w0, learning_rate, num_iters):
    """Full-batch gradient descent: w <- w - learning_rate * grad, num_iters times.

    Inputs:
    - f: function taking w and returning (loss: float, grad: array shaped like w).
    - w0: float array, the start; not modified.
    - learning_rate: float.
    - num_iters: int.

    Returns a tuple of:
    - w: float64 array shaped like w0, the last iterate.
    - losses: list of num_iters floats; losses[t] is the loss at the t-th iterate, before its step.
    """
    my_losses = []
    pass
    my_w = np.array(w0, dtype=float)
    for my__ in range(num_iters):
        my_loss, my_grad = f(my_w)
        my_losses.append(float(my_loss))
        pass
        my_w = my_w - my_grad * learning_rate
    pass
    return (my_w, my_losses)

def sample_minibatch(X, y, batch_size, rng):
    """Draw a minibatch of distinct rows, uniformly at random.

    Inputs:
    - X: array of shape (N, ...).
    - y: array of shape (N,).
    - batch_size: int, 1 <= batch_size <= N.
    - rng: np.random.Generator, the only source of randomness.

    Returns a tuple of:
    - X_batch: np.ndarray (not a list) of shape (batch_size, ...), batch_size distinct rows of X.
    - y_batch: np.ndarray of shape (batch_size,), y_batch[i] belonging to X_batch[i].
    """
    my_idx = rng.choice(X.shape[0], size=batch_size, replace=False)
    pass
    return (X[my_idx], y[my_idx])

def sgd_momentum(w, dw, config=None):
    """SGD with momentum: v = momentum * v - learning_rate * dw; next_w = w + v.

    Inputs:
    - w: float array of any shape; may be updated in place.
    - dw: float array with the shape of w.
    - config: dict or None; "learning_rate" defaults to 1e-2, "momentum" to 0.9 and
      "velocity" (an array shaped like w) to zeros. The velocity lives only in config: with
      config=None every call starts from zero velocity (no state kept between calls).

    Returns a tuple of:
    - next_w: float64 array with the shape of w.
    - config: the dict, with the new velocity stored under "velocity".
    """
    config = {} if config is None else config
    pass
    config.setdefault('learning_rate', 0.01)
    config.setdefault('momentum', 0.9)
    pass
    my_v = config.get('velocity')
    if my_v is None:
        my_v = np.zeros_like(w)
    pass
    my_v = my_v * config['momentum'] - dw * config['learning_rate']
    config['velocity'] = my_v
    pass
    w += my_v
    return (w, config)

def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: next_w = w - learning_rate * dw.

    Inputs:
    - w: float array of any shape, the parameter; may be updated in place.
    - dw: float array with the shape of w.
    - config: dict or None; "learning_rate" defaults to 1e-2.

    Returns a tuple of:
    - next_w: float64 array with the shape of w.
    - config: the dict, with its defaults filled in.
    """
    config = {} if config is None else config
    pass
    config.setdefault('learning_rate', 0.01)
    w -= dw * config['learning_rate']
    pass
    return (w, config)
UPDATE_RULES = {'sgd': sgd, 'sgd_momentum': sgd_momentum}

def train(model, X, y, update_rule='sgd', optim_config=None, batch_size=32, num_iters=1000, seed=0):
    """Minibatch training of a model that has .params and .loss(X, y) -> (loss, grads).

    Inputs:
    - model: an object with a dict model.params and a method model.loss(X, y) returning
      (loss, grads), grads keyed like params. Its params are updated, each staying a float
      array of its own shape.
    - X: float array of shape (N, D).
    - y: int array of shape (N,).
    - update_rule: the name of an update rule in this module ("sgd", "sgd_momentum") or a callable.
    - optim_config: dict or None, copied for every parameter, so each keeps its own state.
    - batch_size: int.
    - num_iters: int.
    - seed: int; one np.random.default_rng(seed) draws every minibatch with sample_minibatch.

    Returns:
    - history: dict with "loss": a list (not an array) of num_iters floats, the minibatch losses.

    Each iteration draws one minibatch and calls model.loss exactly once per iteration, on that
    minibatch (no other call to model.loss, e.g. for a full-batch loss).
    """
    my_configs = {my_name: dict(optim_config or {}) for my_name in model.params}
    pass
    my_rule = UPDATE_RULES[update_rule] if isinstance(update_rule, str) else update_rule
    batch_size = min(batch_size, X.shape[0])
    pass
    my_rng = np.random.default_rng(seed)
    my_losses = []
    pass
    for my__ in range(num_iters):
        my_X_batch, my_y_batch = sample_minibatch(X, y, batch_size, my_rng)
        my_loss, my_grads = model.loss(my_X_batch, my_y_batch)
        pass
        my_losses.append(float(my_loss))
        for my_name in model.params:
            model.params[my_name], my_configs[my_name] = my_rule(model.params[my_name], my_grads[my_name], my_configs[my_name])
        pass
    return {'loss': my_losses}
