"""Hidden tests of gradlab/layers.py: forward values, backward gradient checks, edge cases."""
from contextlib import nullcontext

import numpy as np

from autograder.checks.common import (GRAD_TOL, LayerGradient, away_from, check_layer_gradient, check_value_call,
                                      compare_gradient, layer_backward_of, rng_for)
from autograder.checks.diagnosis import Suspect, ignored_arguments, region, relabel
from autograder.checks.framework import check, unpack

from ..diagnoses import OVERFLOW_HINT, missing_bias_gradient, negative_side

ACTIVATIONS = {  # layer -> (kink points to avoid in gradient checks, keyword arguments to try)
    "relu": ((0.0,), [{}]),
    "leaky_relu": ((0.0,), [{}, {"alpha": 0.25}]),
    "sigmoid": ((), [{}]),
    "tanh": ((), [{}]),
    "elu": ((0.0,), [{}, {"alpha": 0.7}]),
}


def _affine_args(seed, x_shape=(4, 2, 3)):
    rng = rng_for("affine", seed)
    d = int(np.prod(x_shape[1:]))
    return rng.standard_normal(x_shape), rng.standard_normal((d, 5)), rng.standard_normal(5)


def _activation_input(layer, seed):
    return away_from(2.0 * rng_for(layer, seed).standard_normal((4, 5)), ACTIVATIONS[layer][0])


def _maxout_args(seed):
    """Maxout inputs whose best two pieces differ by at least 0.05 (no ties, no kinks); K = 3
    pieces, D = 4 inputs: every axis has its own length, so no axis can stand in for another."""
    rng = rng_for("maxout", seed)
    while True:
        x, w, b = rng.standard_normal((6, 4)), rng.standard_normal((3, 4, 5)), rng.standard_normal((3, 5))
        z = np.sort(np.einsum("nd,kdm->knm", x, w) + b[:, None, :], axis=0)
        if np.min(z[-1] - z[-2]) > 0.05:
            return x, w, b


def _negative_side(layer, x):
    """Suspects of an activation with a kink at 0: a mistake confined to the negative branch."""
    return [negative_side(x <= 0, "where x <= 0")] if 0.0 in ACTIVATIONS.get(layer, ((),))[0] \
        else []


def _wrong_cache_suspects(ref_forward, ref_backward, x, out, dout, kwargs):
    """A one-input layer's backward evaluated at the wrong value: the reference backward given
    x where its cache holds the output, or the cache its forward builds from the output."""
    suspects = []
    for cache in (x, ref_forward(out.copy(), **kwargs)[1]):
        try:
            value = ref_backward(dout.copy(), cache)
        except Exception:  # noqa: BLE001 - this cache layout does not apply to this layer
            continue
        suspects.append(Suspect("derivative_from_wrong_cached_value",
                                "{what} equals the derivative evaluated at the wrong value (at the input x where "
                                "the formula is written in the output, or at the output where it needs x): check "
                                "what the forward pass caches and how the backward pass uses it", value))
    return suspects


def _backward_suspects(t, negative_side=False):
    """LayerGradient.suspects of gradlab's layers: a one-input layer's derivative from the wrong
    cached value, a bias gradient left at zero (db), a wrong negative branch (activations with a
    kink at 0)."""
    def suspects(layer, dout, name):
        ref_forward = getattr(t.ref.layers, f"{layer.name}_forward")
        ref_backward = getattr(t.ref.layers, f"{layer.name}_backward")
        inputs = layer.prepared()
        found = []
        if len(inputs) == 1:
            out = ref_forward(inputs[0].copy(), **layer.extra)[0]
            found += _wrong_cache_suspects(ref_forward, ref_backward, inputs[0], out, dout, layer.extra)
        if name == "db":
            found.append(missing_bias_gradient(layer_backward_of(t, layer, dout)(*inputs, **layer.extra)[2]))
        return found + (_negative_side(layer.name, inputs[0]) if negative_side else [])
    return suspects


def _layer(t, layer, inputs, extra=None):
    """The LayerGradient of one of gradlab's layers: affine and maxout have (x, w, b) and sum over
    the batch; an activation has x alone, and its kinks."""
    weighted = len(inputs) == 3
    return LayerGradient(layer, f"layers.{layer}_forward", f"layers.{layer}_backward", tuple(inputs),
                         grads=("dx", "dw", "db") if weighted else ("dx",), extra=extra or {},
                         kinks=() if weighted else ACTIVATIONS[layer][0], batch=weighted,
                         suspects=_backward_suspects(t, negative_side=not weighted))


def _forward_suspects(t, layer, args, kwargs):
    """Known mistakes of a forward pass: an ignored argument, a missing bias, a wrong negative branch."""
    reference = getattr(t.ref.layers, f"{layer}_forward")
    suspects = ignored_arguments(reference, args, kwargs, select=lambda result: result[0])
    if layer in ("affine", "maxout"):
        no_bias = reference(args[0].copy(), args[1].copy(), np.zeros_like(args[2]))[0]
        suspects.append(Suspect("missing_bias", "{what} equals the result without the bias: add b", no_bias))
    return suspects + _negative_side(layer, args[0])


def _large_inputs(label):
    """NaN or inf for the extreme inputs case is an overflow."""
    return relabel("non_finite", "overflow_on_large_inputs", OVERFLOW_HINT) if label == EXTREMES[0] else nullcontext()


def _forward_cases(t, layer, cases):
    reference = getattr(t.ref.layers, f"{layer}_forward")
    for label, args, kwargs in cases:
        with t.case(label), _large_inputs(label):
            expected = reference(*[a.copy() for a in args], **kwargs)[0]
            check_value_call(t, f"layers.{layer}_forward", args, (expected, None), kwargs=kwargs, count=2,
                             repeat=label.startswith("random case 0"),
                             suspects=lambda _, args=args, kwargs=kwargs: _forward_suspects(t, layer, args, kwargs))


def _activation_forward_cases(layer, edges=()):
    cases = [(f"random case {s}" + (f", {kw}" if kw else ""), (_activation_input(layer, s),), kw)
             for s, kw in enumerate(ACTIVATIONS[layer][1])]
    return cases + [(label, (x,), {}) for label, x in edges]


EXTREMES = ("inputs of magnitude 1e4", np.array([[-1e4, -50.0, 0.0, 50.0, 1e4]]))
AT_ZERO = ("inputs exactly 0", np.array([[0.0, -0.0, 1.0, -1.0]]))
# With alpha = 1 both branches of the ELU's slope give 1 at 0: the convention shows only for another alpha.
AT_ZERO_ALPHA = ("inputs exactly 0, alpha=0.5", AT_ZERO[1], {"alpha": 0.5})


@check("affine_forward.values")
def affine_forward_values(t):
    _forward_cases(t, "affine", [("random case 0, x of shape (N, d1, d2)", _affine_args(0), {}),
                                 ("random case 1, x of shape (N, D)", _affine_args(1, (3, 4)), {})])


@check("affine_backward.gradient")
def affine_backward_gradient(t):
    for label, args in [("x of shape (N, d1, d2)", _affine_args(2)), ("x of shape (N, D)", _affine_args(3, (3, 4)))]:
        with t.case(label):
            check_layer_gradient(t, _layer(t, "affine", args))


def _activation_checks(layer, forward_edges, backward_edges):
    @check(f"{layer}_forward.values")
    def forward(t):
        _forward_cases(t, layer, _activation_forward_cases(layer, forward_edges))

    @check(f"{layer}_backward.gradient")
    def backward(t):
        for seed, kwargs in enumerate(ACTIVATIONS[layer][1]):
            with t.case(f"random case {seed}" + (f", {kwargs}" if kwargs else "")):
                x = _activation_input(layer, seed + 10)
                check_layer_gradient(t, _layer(t, layer, (x,), kwargs))
        for label, x, *options in backward_edges:  # kinks: compared with the contract's convention only
            kwargs = options[0] if options else {}
            with t.case(label), _large_inputs(label):
                out, cache = getattr(t.ref.layers, f"{layer}_forward")(x.copy(), **kwargs)
                dout = np.ones_like(out)
                expected = getattr(t.ref.layers, f"{layer}_backward")(dout, cache)
                _, grads, _ = t.forward_backward(f"layers.{layer}_forward", f"layers.{layer}_backward", (x,), dout,
                                                 **kwargs)
                at_kink = LayerGradient(layer, f"layers.{layer}_forward", f"layers.{layer}_backward", (x,),
                                        extra=kwargs, suspects=_backward_suspects(t))
                compare_gradient(t, f"{layer}_backward", f"dx ({label})", grads, expected, 1e-7, "dx",
                                 lambda x=x, kwargs=kwargs, dout=dout, layer=at_kink: [
                    region("wrong_at_kink", x == 0, "at inputs exactly 0"), *_negative_side(layer.name, x),
                    *ignored_arguments(getattr(t.ref.layers, f"{layer.name}_forward"), (x,), kwargs,
                                       select=lambda answer: answer[0], call=layer_backward_of(t, layer, dout)),
                    *_backward_suspects(t)(layer, dout, "dx")])

    return forward, backward


_activation_checks("relu", [AT_ZERO], [AT_ZERO])
_activation_checks("leaky_relu", [AT_ZERO], [AT_ZERO])
_activation_checks("sigmoid", [EXTREMES], [EXTREMES])
_activation_checks("tanh", [EXTREMES], [])
_activation_checks("elu", [AT_ZERO, ("large negative inputs", np.array([[-1e4, -800.0, -1.0]]))], [AT_ZERO_ALPHA])


@check("maxout_forward.values")
def maxout_forward_values(t):
    _forward_cases(t, "maxout", [(f"random case {s}", _maxout_args(s), {}) for s in range(2)])


@check("maxout_backward.gradient", seconds=0.05)
def maxout_backward_gradient(t):
    for seed in range(2):
        with t.case(f"random case {seed}"):
            check_layer_gradient(t, _layer(t, "maxout", _maxout_args(seed + 10)))
    with t.case("two pieces tied everywhere: the first maximal piece takes the gradient"):
        # A kink everywhere: against the reference only (centered differences are meaningless here).
        x, w, b = _maxout_args(20)
        w[1], w[2], b[1], b[2] = w[0], w[0], b[0], b[0] - 1.0  # pieces 0 and 1 equal, piece 2 below them
        dout = rng_for("maxout", "tie").standard_normal((x.shape[0], w.shape[2]))
        expected = t.ref.layers.maxout_backward(dout.copy(), t.ref.layers.maxout_forward(x, w, b)[1])
        _, grads, _ = t.forward_backward("layers.maxout_forward", "layers.maxout_backward", (x, w, b), dout)
        # The known mistake: every tied piece gets the gradient (a mask z == max instead of argmax).
        z = np.einsum("nd,kdm->knm", x, w) + b[:, None, :]
        dz = (z == z.max(axis=0)) * dout[None]
        every = {"dx": np.einsum("knm,kdm->nd", dz, w), "dw": np.einsum("nd,knm->kdm", x, dz), "db": dz.sum(axis=1)}
        got = dict(zip(("dx", "dw", "db"), unpack(grads, 3, "maxout_backward")))
        for name in ("dw", "db", "dx"):  # dw first: there the mistake is no constant factor
            compare_gradient(t, "maxout_backward", f"{name} (tied pieces)", got[name],
                             expected[("dx", "dw", "db").index(name)], GRAD_TOL, name, [Suspect(
                "wrong_at_kink", "{what} gives the gradient to every tied piece: on a tie only the first maximal "
                "piece takes it (as np.argmax picks it)", every[name])])
