"""Sentences, not numpy's exceptions, when a function returns the wrong kind of thing.

The public tests pass each result through these before using it, so a tuple of the wrong
length, a list where an array belongs or an array where a number belongs fails with a sentence
naming the function, what came back and what its docstring asks for (instead of, say, "The
truth value of an array with more than one element is ambiguous").
"""
import numbers

import numpy as np


def describe(value):
    """A few words on a value: "an array of shape (3,) and dtype int64", "a list of 2 items", "None"."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (tuple, list, dict)):
        return f"a {type(value).__name__} of {len(value)} items"
    return "None" if value is None else f"a {type(value).__name__}"


def returned(result, names, what):
    """result, which must be a tuple of len(names) items (names: what each item is)."""
    assert isinstance(result, tuple) and len(result) == len(names), \
        f"{what} should return a tuple ({', '.join(names)}), got {describe(result)}"
    return result


def number(value, what):
    """value, which must be a real number (a float, or a float array of one element), as a float."""
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind == "f":
        value = value.reshape(-1)[0]
    assert isinstance(value, numbers.Real) and not isinstance(value, bool), \
        f"{what} should be a float, got {describe(value)}"
    return float(value)


def array(value, what, shape=None, dtype=np.float64):
    """value, which must be an np.ndarray (not a list) of the given shape and dtype (None: any)."""
    wanted = f"{'a float64 array' if dtype == np.float64 else 'an array'}" + (f" of shape {shape}" if shape else "")
    assert isinstance(value, np.ndarray), f"{what} should be {wanted}, got {describe(value)}"
    assert shape is None or value.shape == tuple(shape), f"{what} should have shape {tuple(shape)}, got {value.shape}"
    assert dtype is None or value.dtype == dtype, f"{what} should have dtype {np.dtype(dtype)}, got {value.dtype}"
    return value


def floats(values, what, length):
    """values, which must be a list (or 1-D array) of length numbers, as a list of floats."""
    ok = isinstance(values, (list, tuple)) or (isinstance(values, np.ndarray) and values.ndim == 1)
    assert ok and len(values) == length, f"{what} should be a list of {length} floats, got {describe(values)}"
    return [number(v, f"each entry of {what}") for v in values]
