"""A trusted numerical gradient for the public tests.

The tests check your analytic gradients against this module, never against a gradient
checker of your own package: a bug there must not hide a bug elsewhere.
"""
import numpy as np

from .contract import array


def numerical_gradient(f, x, h=1e-6):
    """Centered-difference gradient of a scalar function.

    Inputs:
    - f: function taking a float array shaped like x and returning a float.
    - x: float array of any shape; never modified (f gets fresh perturbed copies).
    - h: float, the step.

    Returns:
    - grad: float array with the shape of x, grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2h).
    """
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[ix] = h
        grad[ix] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


def rel_error(a, b):
    """Largest relative error between two arrays: max of |a - b| / max(1e-8, |a| + |b|)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def assert_gradient(analytic, f, x, what, tol=1e-6):
    """Assert that an analytic gradient matches the trusted numerical gradient of f at x.

    Inputs:
    - analytic: float array shaped like x, the gradient under test.
    - f: function taking an array shaped like x and returning a float.
    - x: float array, the point.
    - what: str, names the gradient in the failure message.
    - tol: float, the largest relative error accepted.
    """
    analytic = array(analytic, what, np.shape(x))
    error = rel_error(analytic, numerical_gradient(f, x))
    assert error < tol, f"{what} is wrong: relative error {error:.2e} against numerical differences"


def assert_backward(forward, backward_grads, inputs, dout, names, tol=1e-6):
    """Check the gradients of a layer against numerical differences of sum(forward(...) * dout).

    Inputs:
    - forward: function of the arrays in inputs returning the layer's output (not the cache).
    - backward_grads: the gradients under test, one per input, in the order of inputs.
    - inputs: list of float arrays, the layer's array inputs.
    - dout: float array shaped like the output, the upstream gradient.
    - names: list of str, a name per gradient for failure messages ("dx", "dw", ...).
    - tol: float, the largest relative error accepted.
    """
    for k, (grad, name) in enumerate(zip(backward_grads, names)):
        def f(value, k=k):
            args = list(inputs)
            args[k] = value
            return float(np.sum(forward(*args) * dout))
        assert_gradient(grad, f, inputs[k], name, tol)
