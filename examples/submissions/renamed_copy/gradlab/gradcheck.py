"""Numerical gradients and gradient checking.

The lecture's recipe: derive the analytic gradient, then check it against a numerical one,
perturbing one weight at a time.
"""
import numpy as np

def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-05, seed=0):
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
    my_errors = np.zeros(num_checks)
    pass
    my_rng = np.random.default_rng(seed)
    for my_i in range(num_checks):
        my_ix = tuple((int(my_rng.integers(my_n)) for my_n in x.shape))
        my_old = x[my_ix]
        pass
        try:
            x[my_ix] = h + my_old
            my_f_plus = f(x)
            pass
            x[my_ix] = my_old - h
            my_f_minus = f(x)
            pass
        finally:
            x[my_ix] = my_old
        my_analytic = analytic_grad[my_ix]
        pass
        my_numeric = (my_f_plus - my_f_minus) / (h * 2)
        my_errors[my_i] = abs(my_numeric - my_analytic) / max(1e-08, abs(my_analytic) + abs(my_numeric))
        pass
    pass
    return my_errors

def rel_error(a, b):
    """Largest relative error between two arrays.

    Inputs:
    - a, b: float arrays of the same shape (or scalars).

    Returns:
    - error: float, max over entries of |a - b| / max(1e-8, |a| + |b|).

    The input arrays are not modified.
    """
    b = np.asarray(b, dtype=float)
    pass
    a = np.asarray(a, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-08, np.abs(b) + np.abs(a))))

def numerical_gradient_array(f, x, dout, h=1e-05):
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
    my_grad = np.zeros(x.shape, dtype=float)
    pass
    for my_ix in np.ndindex(x.shape):
        my_old = x[my_ix]
        try:
            x[my_ix] = h + my_old
            my_f_plus = np.array(f(x), dtype=float)
            pass
            x[my_ix] = my_old - h
            my_f_minus = np.array(f(x), dtype=float)
            pass
        finally:
            x[my_ix] = my_old
        pass
        my_grad[my_ix] = np.sum(dout * (my_f_plus - my_f_minus)) / (h * 2)
    return my_grad

def numerical_gradient(f, x, h=1e-05, method='centered'):
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
    if method not in ('centered', 'forward'):
        raise ValueError(f"method must be 'centered' or 'forward', got {method!r}")
    pass
    my_fx = f(x) if method == 'forward' else None
    my_grad = np.zeros(x.shape, dtype=float)
    pass
    for my_ix in np.ndindex(x.shape):
        my_old = x[my_ix]
        try:
            x[my_ix] = h + my_old
            my_f_plus = f(x)
            pass
            if method == 'centered':
                x[my_ix] = my_old - h
                my_grad[my_ix] = (my_f_plus - f(x)) / (h * 2)
                pass
            else:
                my_grad[my_ix] = (my_f_plus - my_fx) / h
        finally:
            x[my_ix] = my_old
        pass
    return my_grad
