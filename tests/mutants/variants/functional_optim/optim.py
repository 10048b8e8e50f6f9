

# ---- Correct variant: sgd returns a new array, sgd_momentum updates its velocity in place,
# minibatches by permutation, a while loop, per-parameter state built lazily. Appended to the
# reference optim.py. ----

def sgd(w, dw, config=None):
    if config is None:
        config = {}
    learning_rate = config.get("learning_rate", 1e-2)
    config["learning_rate"] = learning_rate
    return w - learning_rate * dw, config  # w itself is left alone


def sgd_momentum(w, dw, config=None):
    config = {} if config is None else config
    learning_rate = config.setdefault("learning_rate", 1e-2)
    momentum = config.setdefault("momentum", 0.9)
    if config.get("velocity") is None:
        config["velocity"] = np.zeros_like(w)
    velocity = config["velocity"]
    velocity *= momentum  # in place: the config owns its velocity
    velocity -= learning_rate * dw
    return w + velocity, config


def sample_minibatch(X, y, batch_size, rng):
    rows = rng.permutation(len(X))[:batch_size]
    return X[rows], y[rows]


def gradient_descent(f, w0, learning_rate, num_iters):
    w = w0.astype(float, copy=True)
    losses = []
    while len(losses) < num_iters:
        loss, grad = f(w)
        losses.append(float(loss))
        w = w - learning_rate * grad
    return w, losses


def train(model, X, y, update_rule="sgd", optim_config=None, batch_size=32, num_iters=1000, seed=0):
    step = {"sgd": sgd, "sgd_momentum": sgd_momentum}[update_rule] if isinstance(update_rule, str) else update_rule
    rng = np.random.default_rng(seed)
    state = {}
    history = {"loss": []}
    for _ in range(num_iters):
        X_batch, y_batch = sample_minibatch(X, y, min(batch_size, len(X)), rng)
        loss, grads = model.loss(X_batch, y_batch)
        history["loss"].append(float(loss))
        for name in list(model.params):
            config = state.get(name)
            if config is None:
                config = dict(optim_config) if optim_config else {}
            model.params[name], state[name] = step(model.params[name], grads[name], config)
    return history
