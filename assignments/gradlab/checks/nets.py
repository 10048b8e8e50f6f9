"""Hidden tests of gradlab/nets.py: scores, loss and gradients of MLP and LinearClassifier."""
import numpy as np

from autograder.checks.common import GRAD_TOL, H, NUMERIC_TOL, VALUE_TOL, compare_gradient, rng_for
from autograder.checks.diagnosis import Suspect
from autograder.checks.framework import (CheckFailed, call_request, check, describe, directional_derivatives_request,
                                        expect_array, expect_float, unpack)

from ..diagnoses import missing_bias_gradient

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


def _penalties(t, reference):
    """dict parameter name -> (R, dR) of the model's regularizer, for weights and biases alike."""
    regularizer = getattr(t.ref.regularizers, reference.reg_type)
    return {name: regularizer(value.copy()) for name, value in reference.params.items()}


def _loss_suspects(t, reference, ref_loss):
    """Known mistakes of a model's loss: the penalty left out, or the biases penalized too."""
    if not reference.reg:
        return []
    penalties, weights = _penalties(t, reference), {w for w, _ in reference.layer_names}
    on_weights = reference.reg * sum(penalties[name][0] for name in weights)
    on_biases = reference.reg * sum(penalties[name][0] for _, name in reference.layer_names)
    return [Suspect("loss_offset", f"{{what}} is short of exactly reg * sum of R(W) = {on_weights:.6g}: add the "
                    "penalty of every weight matrix to the data loss", ref_loss - on_weights),
            Suspect("regularized_bias", f"{{what}} is larger than expected by exactly reg * sum of R(b) = "
                    f"{on_biases:.6g}: biases are not regularized", ref_loss + on_biases)]


def _grad_suspects(t, reference, name, expected):
    """Known mistakes of the gradient of parameter name (reference: the reference model)."""
    if name in {b for _, b in reference.layer_names}:
        bias = [missing_bias_gradient(expected)]
        if reference.reg:
            bias.append(Suspect("regularized_bias", "{what} equals the expected one plus reg * dR/db: biases are "
                                "not regularized", expected + reference.reg * _penalties(t, reference)[name][1]))
        return bias
    if not reference.reg:
        return []
    term = reference.reg * _penalties(t, reference)[name][1]
    data = expected - term
    suspects = [Suspect("missing_regularization_gradient", "{what} equals the data gradient alone: add reg * dR/dW "
                        "(the derivative of the penalty) to every weight gradient", data),
                Suspect("wrong_regularization_gradient", "{what} equals the data gradient plus {c:.4g} times "
                        "reg * dR/dW: check the factor of the penalty's derivative (d(w^2)/dw = 2w)", data, term)]
    for other in ("l2", "l1", "elastic_net"):
        if other != reference.reg_type:
            dR = getattr(t.ref.regularizers, other)(reference.params[name].copy())[1]
            suspects.append(Suspect("wrong_regularization_gradient", f"{{what}} carries the gradient of the {other} "
                                    f"penalty where reg_type is {reference.reg_type}", data + reference.reg * dR))
    return suspects


def _loss_case(t, kind, config, seed, numeric):
    init, reference = _model(t, kind, config, seed)
    X, y = _batch(seed)
    ref_loss, ref_grads = reference.loss(X.copy(), y)
    requests = [call_request(f"nets.{kind}.loss", X, y, init=init)]
    if numeric:
        call = {"target": f"nets.{kind}.loss", "args": [X, y], "init": init}
        wrt = {name: (f"params.{name}", value) for name, value in init["params"].items()}
        # Along a random direction per parameter: the comparison with the reference below pins
        # every entry already; this asks whether the gradient is the derivative of the student's
        # own loss, in two evaluations per parameter instead of two per entry.
        requests.append(directional_derivatives_request(call, wrt, rng_for("directions", kind, seed), H, select=(0,)))
    outcomes = t.run_each(requests, until_failure=True)
    result, _ = outcomes[0]()
    loss, grads = unpack(result, 2, f"{kind}.loss")
    expect_float(loss, ref_loss, VALUE_TOL, "loss", lambda: _loss_suspects(t, reference, ref_loss), len(y))
    if isinstance(grads, dict) and set(grads) < set(ref_grads) \
            and set(ref_grads) - set(grads) <= {b for _, b in reference.layer_names}:
        raise CheckFailed(f"grads has no entry for {sorted(set(ref_grads) - set(grads))}: every bias needs its "
                          "gradient, the upstream gradient summed over the batch", "missing_bias_gradient")
    if not isinstance(grads, dict) or set(grads) != set(ref_grads):
        raise CheckFailed(f"grads must be a dict with keys {sorted(ref_grads)}; got {describe(grads)}",
                          "wrong_type")
    for name in ref_grads:
        compare_gradient(t, f"{kind}.loss", name, grads[name], ref_grads[name], GRAD_TOL, f"grads['{name}']",
                         lambda name=name: _grad_suspects(t, reference, name, ref_grads[name]), len(y))
    if numeric:
        slopes = outcomes[1]()
        for name in ref_grads:
            direction, slope = slopes[name]
            expect_float(float(np.sum(grads[name] * direction)), slope, NUMERIC_TOL,
                         f"grads['{name}'] along a random direction, against centered differences of your loss")


@check("MLP.scores")
def mlp_scores(t):
    for label, config in [("two layers, relu", {}), ("three layers, tanh", {"deep": True, "activation": "tanh"})]:
        with t.case(label):
            init, reference = _model(t, "MLP", config, 0)
            X, _ = _batch(1)
            called, predicting = t.run_each([call_request("nets.MLP.scores", X, init=init),
                                             call_request("nets.MLP.predict", X, init=init)], until_failure=True)
            scores, _ = called()
            expected = reference.scores(X.copy())
            expect_array(scores, expected, VALUE_TOL, "scores", lambda expected=expected, reference=reference: [
                Suspect("activation_on_output_layer", "{what} equal the expected scores passed through the "
                        f"{reference.activation}: the last layer is affine only",
                        getattr(t.ref.layers, f"{reference.activation}_forward")(expected.copy())[0])])
            predicted, _ = predicting()
            if not isinstance(predicted, np.ndarray) or not np.array_equal(predicted, reference.predict(X)):
                raise CheckFailed(f"predict: expected {reference.predict(X)}, got {describe(predicted)}")


    with t.case("initial weights scaled by sqrt(gain / fan_in)"):
        # W2 (fan_in 50) must be sqrt(400 / 50) times as spread as W1 (fan_in 400), whatever the gain.
        X = rng_for("MLP", "init").standard_normal((2, 400))
        answer = t.request({"op": "call", "call": {"target": "nets.MLP.scores", "args": [X],
                                                   "init": {"args": [[400, 50, 50]], "kwargs": {"seed": 5}}}},
                           "nets.MLP.scores")
        params = answer.get("params") if isinstance(answer.get("params"), dict) else {}
        spread = [np.std(params[name]) if isinstance(params.get(name), np.ndarray) else None for name in ("W1", "W2")]
        if None in spread or not spread[0] > 0:
            raise CheckFailed(f"MLP([400, 50, 50]) should hold weight arrays W1 and W2; got {describe(params)}")
        ratio = spread[1] / spread[0]
        if abs(ratio / np.sqrt(8.0) - 1) > 0.15:
            raise CheckFailed(f"std(W2) / std(W1) = {ratio:.3f} for MLP([400, 50, 50]); with scales sqrt(gain / "
                              f"fan_in) it is sqrt(400 / 50) = {np.sqrt(8.0):.3f}: is the scale computed from fan_in?")


@check("MLP.loss.gradient", seconds=0.06)
def mlp_loss_gradient(t):
    for activation in ACTIVATIONS:
        with t.case(f"three layers, {activation}"):
            _loss_case(t, "MLP", {"deep": True, "activation": activation}, 2, numeric=True)
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
