"""Check patterns shared by several modules: seeded inputs, value and gradient comparisons."""
import collections
import zlib

import numpy as np

from ..report.records import GradientCheck
from .diagnosis import ignored_arguments
from .framework import (CheckFailed, call_request, expect_array, expect_float, expect_unchanged,
                        forward_backward_request, numerical_gradients_request, rel_error, unpack)

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
    called, differences = t.run_each([
        call_request(target, *args, **kwargs),
        numerical_gradients_request({"target": target, "args": list(args), "kwargs": kwargs},
                                    {"gradient": (0, args[0])}, H, select=(0,))], until_failure=True)
    result, after = called()
    _, grad = unpack(result, 2, target.split(".")[-1])
    compare_gradient(t, target.split(".")[-1], t.case_name, grad, expected, GRAD_TOL, "gradient",
                     lambda: ignored_arguments(reference, args, kwargs, select=lambda r: r[1]), args[0].shape[0])
    expect_unchanged(args, after)
    expect_array(grad, differences()["gradient"], NUMERIC_TOL, "gradient against centered differences of your own loss")


class LayerGradient(collections.namedtuple("LayerGradient", ("name", "forward", "backward", "inputs", "grads", "extra",
                                                            "kinks", "batch", "tol", "suspects"))):
    """A layer's gradient check, described explicitly (nothing is inferred from names or counts).

    - name: str, the layer's name in messages; it also seeds the random upstream gradient.
    - forward, backward: targets "module.function" of the package: out, cache = forward(*inputs,
      **extra) and backward(dout, cache) returns the gradients, one per input (a tuple, or a
      single array for one).
    - inputs: tuple of arrays, forward's positional arguments, each differentiated: the data
      first, then the layer's parameters (e.g. x, w, b).
    - grads: tuple of str, the names of backward's outputs in the same order (e.g. "dx", "dw", "db").
    - extra: dict of keyword arguments that are not differentiated (e.g. alpha; a seeded mask as
      {"seed": 3} or as a marker {"__rng__": 3}: every call, the grader's and the student's,
      builds the same mask).
    - kinks: points where the derivative jumps: the first input is moved away from them
      (away_from) before anything is computed, so that centered differences hold.
    - batch: True when the gradients sum over the batch of inputs[0] (a stray factor 1/N is then
      diagnosed).
    - tol: relative tolerance against the reference's backward.
    - suspects: function(check, dout, grad name) -> list of diagnosis.Suspect: the assignment's
      known mistakes of this backward pass, beyond an ignored keyword argument (always tried).
    A named tuple (cheap to define at every start of the grader); extra=None means {}.
    """
    __slots__ = ()

    def __new__(cls, name, forward, backward, inputs, grads=("dx",), extra=None, kinks=(), batch=False,
                tol=GRAD_TOL, suspects=None):
        return super().__new__(cls, name, forward, backward, tuple(inputs), tuple(grads),
                               {} if extra is None else extra, tuple(kinks), batch, tol, suspects)

    def prepared(self):
        """The inputs as the check uses them: the first moved away from the kinks."""
        if not self.kinks:
            return tuple(self.inputs)
        return (away_from(self.inputs[0], self.kinks), *self.inputs[1:])


def reference_function(t, target):
    """The reference's function for a target "module.function" (t.ref is the reference package)."""
    obj = t.ref
    for part in target.split("."):
        obj = getattr(obj, part)
    return obj


def for_reference(value):
    """An argument as the reference receives it: the markers the child turns into objects (a
    {"__rng__": seed} becomes np.random.default_rng(seed)) turned into the same objects here."""
    if isinstance(value, dict):
        if "__rng__" in value:
            return np.random.default_rng(value["__rng__"])
        return {k: for_reference(v) for k, v in value.items()}
    return value.copy() if isinstance(value, np.ndarray) else value


def layer_backward_of(t, check, dout):
    """function(*inputs, **extra) -> tuple of the reference's gradients at dout: for suspects that
    re-run the reference with other arguments."""
    forward, backward = reference_function(t, check.forward), reference_function(t, check.backward)

    def backward_of(*forward_args, **forward_kwargs):
        grads = backward(dout.copy(), forward(*forward_args, **for_reference(forward_kwargs))[1])
        return grads if isinstance(grads, tuple) else (grads,)
    return backward_of


def _gradient_suspects(t, check, inputs, dout, name):
    """An ignored keyword argument (the harness's), then the assignment's suspects for this gradient."""
    index = check.grads.index(name)
    found = ignored_arguments(reference_function(t, check.forward), inputs, check.extra,
                              select=lambda grads: grads[index], call=layer_backward_of(t, check, dout))
    return found + (list(check.suspects(check, dout, name)) if check.suspects else [])


def check_layer_gradient(t, check):
    """A layer's backward pass (check: LayerGradient) against the reference backward and against
    centered differences of the student's own forward pass, for a random upstream gradient; and
    the upstream gradient it receives must come back unchanged."""
    inputs, extra = check.prepared(), check.extra
    out, cache = reference_function(t, check.forward)(*[a.copy() for a in inputs], **for_reference(extra))
    dout = rng_for(check.name, "dout").standard_normal(out.shape)
    expected = reference_function(t, check.backward)(dout.copy(), cache)
    expected = expected if isinstance(expected, tuple) else (expected,)
    # The backward pass's own input: called directly on its forward's cache (made in the child),
    # so that the dout it received comes back.
    cache = {"__cache_of__": {"target": check.forward, "args": list(inputs), "kwargs": extra}}
    passes, again, differences = t.run_each([
        forward_backward_request(check.forward, check.backward, inputs, dout, **extra),
        call_request(check.backward, dout, cache),
        numerical_gradients_request({"target": check.forward, "args": list(inputs), "kwargs": extra},
                                    {name: (i, a) for i, (name, a) in enumerate(zip(check.grads, inputs))},
                                    H, select=(0,), dout=dout)], until_failure=True)
    _, grads, after = passes()
    backward_name = check.backward.rsplit(".", 1)[-1]
    grads = unpack(grads, len(check.grads), backward_name) if len(check.grads) > 1 else (grads,)
    n = dout.shape[0] if check.batch else None
    for got, want, name in zip(grads, expected, check.grads):
        compare_gradient(t, backward_name, name, got, want, check.tol, name,
                         lambda name=name: _gradient_suspects(t, check, inputs, dout, name), n)
    expect_unchanged(inputs, after)
    expect_unchanged([dout], again()[1][:1], "dout (the upstream gradient)")
    numeric = differences()
    for got, name in zip(grads, check.grads):
        expect_array(got, numeric[name], NUMERIC_TOL, f"{name} against centered differences of your forward pass")
