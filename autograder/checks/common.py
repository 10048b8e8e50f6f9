"""Check patterns shared by several modules: seeded inputs, value and gradient comparisons."""
import zlib

import numpy as np

from ..report.records import GradientCheck
from .diagnosis import Suspect, ignored_arguments, missing_bias_gradient
from .framework import CheckFailed, expect_array, expect_float, expect_unchanged, rel_error, unpack

# Tolerances (relative error, CS231n's rel_error) and why:
VALUE_TOL = 1e-7      # float64 results of the same formula written differently agree to ~1e-14
GRAD_TOL = 1e-7       # the same for analytic gradients against the reference
NUMERIC_TOL = 1e-5    # centered differences with h = 1e-5 on smooth functions reach ~1e-8..1e-10
H = 1e-5


def rng_for(*keys):
    """A Generator seeded from the test's name and case number: every run draws the same inputs."""
    return np.random.default_rng([zlib.crc32(str(key).encode()) for key in keys])


def away_from(x, points, gap=1e-2):
    """x with every entry moved at least gap away from the given kink points (kinks avoided)."""
    x = x.copy()
    for p in points:
        close = np.abs(x - p) < gap
        x[close] = p + np.where(x[close] >= p, gap, -gap) * 2
    return x


def check_value_call(t, target, args, expected, tol=VALUE_TOL, kwargs=None, count=None, names=("out",),
                     repeat=False, suspects=None, n=None):
    """Call target(*args, **kwargs), compare each output with expected, and check the inputs stayed.

    Inputs:
    - expected: tuple of arrays/floats (or None to skip an output), compared in order.
    - count: number of outputs the call must return as a tuple (None: a single output).
    - repeat: call twice and require bitwise-identical results.
    - suspects: function(name) -> list of diagnosis.Suspect for the output of that name, or None;
      n: the batch size. Both only serve the diagnosis of a wrong value.

    Returns: the result as received.
    """
    name = target.split(".")[-1]
    result, after = t.call(target, *args, **(kwargs or {}))
    outputs = unpack(result, count, name) if count else (result,)
    for got, want, what in zip(outputs, expected, names):
        if want is None:
            continue
        clues = (lambda what=what: suspects(what)) if suspects else ()
        if isinstance(want, np.ndarray):
            if isinstance(got, list) and all(isinstance(v, (int, float)) for v in got):
                got = np.array(got, dtype=float)  # a list of numbers stands for an array of floats
            expect_array(got, want, tol, what, clues, n)
        else:
            expect_float(got, want, tol, what, clues, n)
    expect_unchanged(args, after)
    if repeat:
        again, _ = t.call(target, *args, **(kwargs or {}))
        outputs_again = unpack(again, count, name) if count else (again,)
        for a, b, want in zip(outputs, outputs_again, expected):
            if want is not None and not _identical(a, b):
                raise CheckFailed(f"{name} gave a different result when called again with the same inputs",
                                  "not_deterministic")
    return result


def _identical(a, b):
    """Whether two answers are the same numbers (False when either is not numbers at all)."""
    try:
        return np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    except (TypeError, ValueError):
        return False


def _note_gradient(t, function, where, error, tolerance):
    """Keep the worst relative error of one gradient over a test's cases, as a GradientCheck record."""
    new = GradientCheck(function, where, float(error), tolerance)
    for index, old in enumerate(t.records):
        if isinstance(old, GradientCheck) and (old.function, old.where) == (function, where):
            if not new.error <= old.error:  # nan (not finite) is the worst
                t.records[index] = new
            return
    t.record(new)


def compare_gradient(t, function, where, got, expected, tol=GRAD_TOL, what=None, suspects=(), n=None):
    """expect_array for an analytic gradient, its relative error kept for the report
    (records.GradientCheck: function, where, e.g. "affine_backward", "dw"); what names it in
    messages (default where). Returns the largest relative error; raises CheckFailed."""
    try:
        error = expect_array(got, expected, tol, what or where, suspects, n)
    except CheckFailed as failure:
        if "rel_error" in failure.figures:  # a wrong value, measured (not a wrong shape or type)
            _note_gradient(t, function, where, failure.figures["rel_error"], tol)
        raise
    _note_gradient(t, function, where, error, tol)
    return error


def record_gradient(t, function, where, got, expected, tol=GRAD_TOL):
    """Keep got's relative error against expected for the report without judging it (for a
    gradient another case of the test already holds to tol); nothing when got is no finite
    float array of expected's shape."""
    if isinstance(got, np.ndarray) and got.shape == expected.shape and got.dtype.kind == "f" \
            and np.all(np.isfinite(got)):
        _note_gradient(t, function, where, float(np.max(rel_error(got, expected), initial=0.0)), tol)


def check_loss_gradient(t, target, args, reference, kwargs=None):
    """A loss function (first argument differentiated): its gradient against the reference
    and against centered differences of the student's own loss value."""
    kwargs = kwargs or {}
    _, expected = reference(*[a.copy() if isinstance(a, np.ndarray) else a for a in args], **kwargs)
    result, after = t.call(target, *args, **kwargs)
    _, grad = unpack(result, 2, target.split(".")[-1])
    compare_gradient(t, target.split(".")[-1], t.case_name, grad, expected, GRAD_TOL, "gradient",
                     lambda: ignored_arguments(reference, args, kwargs, select=lambda r: r[1]), args[0].shape[0])
    expect_unchanged(args, after)
    numeric = t.numerical_gradients({"target": target, "args": list(args), "kwargs": kwargs},
                                    {"gradient": (0, args[0])}, H, select=(0,))["gradient"]
    expect_array(grad, numeric, NUMERIC_TOL, "gradient against centered differences of your own loss")


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


def layer_gradient_suspects(t, layer, args, kwargs, dout, name):
    """Known mistakes of a layer's backward pass for the gradient called name (dx, dw, db)."""
    ref_forward = getattr(t.ref.layers, f"{layer}_forward")
    ref_backward = getattr(t.ref.layers, f"{layer}_backward")
    index = ("dx", "dw", "db").index(name)

    def backward_of(*forward_args, **forward_kwargs):
        grads = ref_backward(dout.copy(), ref_forward(*forward_args, **forward_kwargs)[1])
        return grads if isinstance(grads, tuple) else (grads,)

    suspects = ignored_arguments(ref_forward, args, kwargs, select=lambda grads: grads[index], call=backward_of)
    if len(args) == 1:
        out = ref_forward(args[0].copy(), **kwargs)[0]
        suspects += _wrong_cache_suspects(ref_forward, ref_backward, args[0], out, dout, kwargs)
    if name == "db":
        suspects.append(missing_bias_gradient(backward_of(*args, **kwargs)[index]))
    return suspects


def check_layer_gradient(t, layer, args, kwargs=None, param_names=("dx",), tol=GRAD_TOL, suspects=None):
    """A layer's backward pass against the reference backward and against centered differences
    of the student's own forward pass, for a random upstream gradient.

    suspects: function(name) -> list of diagnosis.Suspect, known mistakes beyond the common ones.
    """
    kwargs = kwargs or {}
    ref_forward = getattr(t.ref.layers, f"{layer}_forward")
    ref_backward = getattr(t.ref.layers, f"{layer}_backward")
    out, cache = ref_forward(*[a.copy() for a in args], **kwargs)
    dout = rng_for(layer, "dout").standard_normal(out.shape)
    expected = ref_backward(dout.copy(), cache)
    expected = expected if isinstance(expected, tuple) else (expected,)
    _, grads, after = t.forward_backward(f"layers.{layer}_forward", f"layers.{layer}_backward", args, dout,
                                         **kwargs)
    grads = unpack(grads, len(param_names), f"{layer}_backward") if len(param_names) > 1 else (grads,)
    n = dout.shape[0] if len(args) > 1 else None  # layers with weights: a stray 1/N shows in dw, db
    for got, want, name in zip(grads, expected, param_names):
        clues = (lambda name=name: layer_gradient_suspects(t, layer, args, kwargs, dout, name)
                 + (suspects(name) if suspects else []))
        compare_gradient(t, f"{layer}_backward", name, got, want, tol, name, clues, n)
    expect_unchanged(args, after)
    # The backward pass's own input: called directly on its forward's cache (a child-side
    # fixture), so that the dout it received comes back.
    cache = {"__callable__": "forward_cache", "args": [layer, list(args), kwargs]}
    _, after = t.call(f"layers.{layer}_backward", dout, cache)
    expect_unchanged([dout], after[:1], "dout (the upstream gradient)")
    numeric = t.numerical_gradients({"target": f"layers.{layer}_forward", "args": list(args), "kwargs": kwargs},
                                    {name: (i, a) for i, (name, a) in enumerate(zip(param_names, args))},
                                    H, select=(0,), dout=dout)
    for got, name in zip(grads, param_names):
        expect_array(got, numeric[name], NUMERIC_TOL, f"{name} against centered differences of your forward pass")
