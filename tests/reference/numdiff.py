"""The test suite's own numerical differences and array helpers, independent of gradlab."""
import numpy as np

H = 1e-5


def derivative(f, x, h=H):
    """Centered difference (f(x + h) - f(x - h)) / (2h) of a function of one float."""
    return (f(x + h) - f(x - h)) / (2 * h)


def gradient(f, x, h=H):
    """Centered-difference gradient of a scalar function f at the array x.

    f is called with fresh arrays x +- h e_i only, so x itself is never touched.
    Returns a float array with the shape of x.
    """
    return gradient_array(f, x, 1.0, h)


def gradient_array(f, x, dout, h=H):
    """Centered-difference gradient of sum(f(x) * dout) with respect to the array x.

    The outputs are subtracted before they are weighted and summed, so entries that a
    step does not change cancel exactly instead of adding rounding error.
    """
    x = np.array(x, dtype=float)
    grad = np.empty(x.shape)
    for i in range(x.size):
        step = np.zeros(x.shape)
        step.flat[i] = h
        diff = np.asarray(f(x + step), dtype=float) - np.asarray(f(x - step), dtype=float)
        grad.flat[i] = np.sum(diff * dout) / (2 * h)
    return grad


def rel_err(a, b):
    """max over entries of |a - b| / max(1e-8, |a| + |b|)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def readonly(a, dtype=None):
    """A read-only copy of a: any attempt to modify it in place raises ValueError."""
    a = np.array(a, dtype=dtype)
    a.flags.writeable = False
    return a


def same_bits(a, b):
    """True when a and b hold bitwise identical values (same shape and dtype)."""
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()
