"""A layer's backward pass checked two ways: against the reference backward, and against
centered differences of the student's own forward pass (so a mistake of the forward pass does
not hide one of the backward pass)."""
import numpy as np

from autograder.checks.common import GRAD_TOL, H, NUMERIC_TOL, rng_for
from autograder.checks.framework import expect_array, expect_unchanged, unpack


def check_backward(t, forward, backward, args, wrt, suspects=None, tol=GRAD_TOL):
    """forward(*args) -> (out, cache) and backward(dout, cache) -> the gradients named in wrt.

    Inputs:
    - forward, backward: targets relative to the package ("dropout.dropout_forward"); the
      reference functions of the same names are t.ref's.
    - args: the forward's arguments (arrays, numbers, dicts; a seed stays fixed, so every
      evaluation of the centered differences sees the same dropout mask).
    - wrt: dict gradient name -> index of the argument it is the gradient of, in the order
      backward returns them (one entry: backward returns the array itself).
    - suspects: function(name, dout) -> list of diagnosis.Suspect for that gradient, or None.

    Records the largest relative error per gradient in t.figures["rel_error"].
    """
    ref_forward, ref_backward = (_reference(t, target) for target in (forward, backward))
    out, cache = ref_forward(*_copies(args))
    dout = rng_for(forward, "dout", len(t.cases)).standard_normal(out.shape)
    expected = ref_backward(dout.copy(), cache)
    expected = expected if isinstance(expected, tuple) else (expected,)
    _, grads, after = t.forward_backward(forward, backward, args, dout)
    names = list(wrt)
    grads = unpack(grads, len(names), backward.split(".")[-1]) if len(names) > 1 else (grads,)
    for got, want, name in zip(grads, expected, names):
        clues = (lambda name=name: suspects(name, dout)) if suspects else ()
        error = expect_array(got, want, tol, name, clues, dout.shape[0])
        record = t.figures.setdefault("rel_error", {})
        record[name] = max(error, record.get(name, 0.0))
    expect_unchanged(args, after)
    cache_marker = {"__forward_cache__": forward, "args": list(args)}
    _, after = t.call(backward, dout, cache_marker)
    expect_unchanged([dout], after[:1], "dout (the upstream gradient)")
    numeric = t.numerical_gradients({"target": forward, "args": list(args)},
                                    {name: (index, args[index]) for name, index in wrt.items()},
                                    H, select=(0,), dout=dout)
    for got, name in zip(grads, names):
        expect_array(got, numeric[name], NUMERIC_TOL, f"{name} against centered differences of your forward pass")


def _reference(t, target):
    module, _, name = target.partition(".")
    return getattr(getattr(t.ref, module), name)


def _copies(values):
    """Fresh copies of arrays and dicts of arrays: the reference must not change what is sent."""
    return [copy(v) for v in values]


def copy(value):
    """A copy of an array, or of a dict whose arrays are copied too."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: copy(v) for k, v in value.items()}
    return value
