"""Numerical gradients and gradient checking.

The lecture's recipe: derive the analytic gradient, then check it against a numerical one,
perturbing one weight at a time.
"""
import numpy as np


def numerical_gradient(f, x, h=1e-5, method="centered"):
    """Numerical gradient of a scalar function, one entry of x at a time.

    Inputs:
    - f: function taking an array shaped like x and returning a float.
    - x: float array of any shape; perturbed in place while this runs, restored on return.
    - h: float, the step.
    - method: "centered", (f(x + h) - f(x - h)) / (2h), error O(h**2);
      or "forward", (f(x + h) - f(x)) / h, the lecture's formula, error O(h).

    Returns:
    - grad: float64 array with the shape of x.
    """
    raise NotImplementedError('numerical_gradient is not implemented yet. Hint: loop with np.ndindex(x.shape); restore x[ix] after each perturbation, even if f raises.')


def numerical_gradient_array(f, x, dout, h=1e-5):
    """Centered-difference gradient of sum(f(x) * dout) with respect to x.

    This checks a layer's backward pass: dout plays the upstream gradient.

    Inputs:
    - f: function taking an array shaped like x and returning an array shaped like dout.
    - x: float array of any shape; perturbed in place while this runs, restored on return.
    - dout: float array with the shape of f(x); not modified.
    - h: float, the step.

    Returns:
    - grad: float64 array with the shape of x.
    """
    raise NotImplementedError("numerical_gradient_array is not implemented yet. Hint: copy f's outputs before perturbing again; f may return a view of its input.")


def rel_error(a, b):
    """Largest relative error between two arrays.

    Inputs:
    - a, b: float arrays of the same shape (or scalars).

    Returns:
    - error: float, max over entries of |a - b| / max(1e-8, |a| + |b|).

    The input arrays are not modified.
    """
    raise NotImplementedError('rel_error is not implemented yet. Hint: np.maximum takes the elementwise maximum with the floor 1e-8.')


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, seed=0):
    """Compare an analytic gradient with centered differences at a few random entries.

    Inputs:
    - f: function taking an array shaped like x and returning a float.
    - x: float array of any shape; perturbed in place while this runs, restored on return.
    - analytic_grad: float array with the shape of x; not modified.
    - num_checks: int, how many entries to check.
    - h: float, the step.
    - seed: int, seeds np.random.default_rng, which draws the entries.

    Returns:
    - errors: float64 array (an np.ndarray, not a list) of shape (num_checks,), the relative error
      |numerical - analytic| / max(1e-8, |numerical| + |analytic|) at each entry drawn; never NaN.
    """
    raise NotImplementedError('grad_check_sparse is not implemented yet. Hint: draw each coordinate with rng.integers(size) for every axis of x.')
