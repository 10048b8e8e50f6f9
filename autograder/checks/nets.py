"""Hidden tests of gradlab/nets.py: scores, loss and gradients of MLP and LinearClassifier."""
import numpy as np

from .common import GRAD_TOL, NUMERIC_TOL, VALUE_TOL, rng_for
from .framework import check, describe, CheckFailed, expect_array, expect_float, unpack

ACTIVATIONS = ("relu", "leaky_relu", "sigmoid", "tanh", "elu")


def _model(t, kind, config, seed):
    """(init dict for the sandbox, reference model) with the same hand-set parameters."""
    if kind == "MLP":
        dims = [4, 6, 5, 3] if config.get("deep") else [4, 6, 3]
        kwargs = {k: v for k, v in config.items() if k != "deep"}
        reference = t.ref.nets.MLP(dims, seed=seed, **kwargs)
        args = [dims]
    else:
        kwargs = dict(config)
        reference = t.ref.nets.LinearClassifier(4, 3, seed=seed, **kwargs)
        args = [4, 3]
    rng = rng_for(kind, seed, sorted(config.items()))
    # Parameters set by hand, biases non-zero, so that every contract detail shows.
    for name, value in reference.params.items():
        reference.params[name] = rng.standard_normal(value.shape) * 0.8
    init = {"args": args, "kwargs": {**kwargs, "seed": seed}, "params": dict(reference.params)}
    return init, reference


def _batch(seed, n=5):
    rng = rng_for("batch", seed)
    return rng.standard_normal((n, 4)), rng.integers(3, size=n)


def _loss_case(t, kind, config, seed, numeric):
    init, reference = _model(t, kind, config, seed)
    X, y = _batch(seed)
    ref_loss, ref_grads = reference.loss(X.copy(), y)
    result, _ = t.call(f"nets.{kind}.loss", X, y, init=init)
    loss, grads = unpack(result, 2, f"{kind}.loss")
    expect_float(loss, ref_loss, VALUE_TOL, "loss")
    if not isinstance(grads, dict) or set(grads) != set(ref_grads):
        raise CheckFailed(f"grads must be a dict with keys {sorted(ref_grads)}; got {describe(grads)}",
                          "wrong_type")
    for name in ref_grads:
        error = expect_array(grads[name], ref_grads[name], GRAD_TOL, f"grads['{name}']")
        t.figures.setdefault("rel_error", {})[name] = max(error, t.figures.get("rel_error", {}).get(name, 0.0))
    if numeric:
        call = {"target": f"nets.{kind}.loss", "args": [X, y], "init": init}
        wrt = {name: (f"params.{name}", value) for name, value in init["params"].items()}
        estimates = t.numerical_gradients(call, wrt, select=(0,))
        for name in ref_grads:
            expect_array(grads[name], estimates[name], NUMERIC_TOL,
                         f"grads['{name}'] against centered differences of your loss")


@check("MLP.scores")
def mlp_scores(t):
    for label, config in [("two layers, relu", {}), ("three layers, tanh", {"deep": True, "activation": "tanh"})]:
        with t.case(label):
            init, reference = _model(t, "MLP", config, 0)
            X, _ = _batch(1)
            scores, _ = t.call("nets.MLP.scores", X, init=init)
            expect_array(scores, reference.scores(X.copy()), VALUE_TOL, "scores")
            predicted, _ = t.call("nets.MLP.predict", X, init=init)
            if not isinstance(predicted, np.ndarray) or not np.array_equal(predicted, reference.predict(X)):
                raise CheckFailed(f"predict: expected {reference.predict(X)}, got {describe(predicted)}")


@check("MLP.loss.gradient")
def mlp_loss_gradient(t):
    for activation in ACTIVATIONS:
        with t.case(f"three layers, {activation}"):
            _loss_case(t, "MLP", {"deep": True, "activation": activation}, 2, numeric=activation != "relu")
    with t.case("two layers, relu, svm loss"):
        _loss_case(t, "MLP", {"loss": "svm"}, 3, numeric=False)


@check("MLP.loss.regularization")
def mlp_loss_regularization(t):
    for reg_type in ("l2", "l1", "elastic_net"):
        with t.case(f"reg=0.1, reg_type={reg_type}"):
            _loss_case(t, "MLP", {"reg": 0.1, "reg_type": reg_type, "activation": "tanh"}, 4, numeric=True)


@check("LinearClassifier.loss")
def linear_classifier_loss(t):
    for label, config in [("softmax", {}), ("svm with l2, reg=0.05", {"loss": "svm", "reg": 0.05})]:
        with t.case(label):
            _loss_case(t, "LinearClassifier", config, 5, numeric=label == "softmax")
