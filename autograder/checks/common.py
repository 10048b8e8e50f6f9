"""Check patterns shared by several modules: seeded inputs, value and gradient comparisons."""
import zlib

import numpy as np

from .framework import CheckFailed, expect_array, expect_float, expect_unchanged, unpack

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
                     repeat=False):
    """Call target(*args, **kwargs), compare each output with expected, and check the inputs stayed.

    Inputs:
    - expected: tuple of arrays/floats (or None to skip an output), compared in order.
    - count: number of outputs the call must return as a tuple (None: a single output).
    - repeat: call twice and require bitwise-identical results.

    Returns: the result as received.
    """
    name = target.split(".")[-1]
    result, after = t.call(target, *args, **(kwargs or {}))
    outputs = unpack(result, count, name) if count else (result,)
    for got, want, what in zip(outputs, expected, names):
        if want is None:
            continue
        if isinstance(want, np.ndarray):
            if isinstance(got, list) and all(isinstance(v, (int, float)) for v in got):
                got = np.array(got, dtype=float)  # a list of numbers stands for an array of floats
            expect_array(got, want, tol, what)
        else:
            expect_float(got, want, tol, what)
    expect_unchanged(args, after)
    if repeat:
        again, _ = t.call(target, *args, **(kwargs or {}))
        outputs_again = unpack(again, count, name) if count else (again,)
        for a, b, want in zip(outputs, outputs_again, expected):
            if want is not None and not np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float)):
                raise CheckFailed(f"{name} gave a different result when called again with the same inputs",
                                  "not_deterministic")
    return result


def check_loss_gradient(t, target, args, reference, kwargs=None):
    """A loss function (first argument differentiated): its gradient against the reference
    and against centered differences of the student's own loss value."""
    kwargs = kwargs or {}
    _, expected = reference(*[a.copy() if isinstance(a, np.ndarray) else a for a in args], **kwargs)
    result, after = t.call(target, *args, **kwargs)
    _, grad = unpack(result, 2, target.split(".")[-1])
    error = expect_array(grad, expected, GRAD_TOL, "gradient")
    expect_unchanged(args, after)
    numeric = t.numerical_gradients({"target": target, "args": list(args), "kwargs": kwargs},
                                    {"gradient": (0, args[0])}, H, select=(0,))["gradient"]
    t.figures.setdefault("rel_error", {})[f"{len(t.cases)}"] = error
    expect_array(grad, numeric, NUMERIC_TOL, "gradient against centered differences of your own loss")


def check_layer_gradient(t, layer, args, kwargs=None, param_names=("dx",), tol=GRAD_TOL):
    """A layer's backward pass against the reference backward and against centered differences
    of the student's own forward pass, for a random upstream gradient."""
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
    for got, want, name in zip(grads, expected, param_names):
        error = expect_array(got, want, tol, name)
        t.figures.setdefault("rel_error", {})[name] = max(error, t.figures.get("rel_error", {}).get(name, 0.0))
    expect_unchanged(args, after)
    numeric = t.numerical_gradients({"target": f"layers.{layer}_forward", "args": list(args), "kwargs": kwargs},
                                    {name: (i, a) for i, (name, a) in enumerate(zip(param_names, args))},
                                    H, select=(0,), dout=dout)
    for got, name in zip(grads, param_names):
        expect_array(got, numeric[name], NUMERIC_TOL, f"{name} against centered differences of your forward pass")
