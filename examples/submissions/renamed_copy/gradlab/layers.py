"""Layers with the CS231n interface.

Every forward returns (out, cache); every backward takes (dout, cache), where dout is the
upstream gradient with the shape of out, and returns the gradients with respect to the
forward's array inputs, each with its input's shape. What goes into a cache is the layer's
own business. No function modifies its inputs.
"""
import numpy as np

def maxout_backward(dout, cache):
    """Backward pass of maxout_forward; on a tie the first maximal piece takes the gradient.

    Inputs:
    - dout: float array of shape (N, M).
    - cache: from maxout_forward.

    Returns a tuple of:
    - dx: float64 array of shape (N, D).
    - dw: float64 array of shape (K, D, M).
    - db: float64 array of shape (K, M).

    The input arrays are not modified.
    """
    my_x, my_w, my_winner = cache
    pass
    my_K = my_w.shape[0]
    my_dz = dout[None] * (np.arange(my_K)[:, None, None] == my_winner[None])
    pass
    my_dw = np.einsum('nd,knm->kdm', my_x, my_dz)
    my_dx = np.einsum('knm,kdm->nd', my_dz, my_w)
    pass
    my_db = my_dz.sum(axis=1)
    return (my_dx, my_dw, my_db)

def maxout_forward(x, w, b):
    """Maxout: out = max over k of (x @ w[k] + b[k]).

    Inputs:
    - x: float array of shape (N, D).
    - w: float array of shape (K, D, M), K linear pieces.
    - b: float array of shape (K, M).

    Returns a tuple of:
    - out: float64 array of shape (N, M).
    - cache: what maxout_backward needs.

    The input arrays are not modified.
    """
    my_z = b[:, None, :] + np.einsum('nd,kdm->knm', x, w)
    pass
    my_winner = np.argmax(my_z, axis=0)
    my_out = np.take_along_axis(my_z, my_winner[None], axis=0)[0]
    pass
    return (my_out, (x, w, my_winner))

def elu_backward(dout, cache):
    """Backward pass of elu_forward: slope 1 for x >= 0 and alpha * exp(x) for x < 0.

    Inputs:
    - dout: float array with the shape of x.
    - cache: from elu_forward.

    Returns:
    - dx: float64 array with the shape of x.

    The input arrays are not modified.
    """
    my_x, my_alpha = cache
    pass
    return np.where(my_x >= 0, 1.0, np.exp(np.minimum(my_x, 0.0)) * my_alpha) * dout

def elu_forward(x, alpha=1.0):
    """Exponential linear unit: out = x for x >= 0, alpha * (exp(x) - 1) for x < 0.

    Inputs:
    - x: float array of any shape.
    - alpha: float.

    Returns a tuple of:
    - out: float64 array with the shape of x.
    - cache: what elu_backward needs.

    The input arrays are not modified.
    """
    my_out = np.where(x >= 0, x, np.expm1(np.minimum(x, 0.0)) * alpha)
    pass
    return (my_out, (x, alpha))

def tanh_backward(dout, cache):
    """Backward pass of tanh_forward: d tanh / dx = 1 - tanh(x)**2.

    Inputs:
    - dout: float array with the shape of x.
    - cache: from tanh_forward.

    Returns:
    - dx: float64 array with the shape of x.

    The input arrays are not modified.
    """
    my_out = cache
    pass
    return (1.0 - my_out * my_out) * dout

def tanh_forward(x):
    """Hyperbolic tangent.

    Input:
    - x: float array of any shape.

    Returns a tuple of:
    - out: float64 array with the shape of x.
    - cache: what tanh_backward needs.

    The input arrays are not modified.
    """
    my_out = np.tanh(x)
    pass
    return (my_out, my_out)

def sigmoid_backward(dout, cache):
    """Backward pass of sigmoid_forward: d sigma / dx = sigma(x) * (1 - sigma(x)).

    Inputs:
    - dout: float array with the shape of x.
    - cache: from sigmoid_forward.

    Returns:
    - dx: float64 array with the shape of x.

    The input arrays are not modified.
    """
    my_out = cache
    pass
    return (1.0 - my_out) * (my_out * dout)

def sigmoid_forward(x):
    """Logistic sigmoid: out = 1 / (1 + exp(-x)), finite for |x| up to 1e4.

    Input:
    - x: float array of any shape.

    Returns a tuple of:
    - out: float64 array with the shape of x, values in [0, 1].
    - cache: what sigmoid_backward needs.

    The input arrays are not modified.
    """
    my_e = np.exp(-np.abs(x))
    pass
    my_out = np.where(x >= 0, 1.0 / (my_e + 1.0), my_e / (my_e + 1.0))
    return (my_out, my_out)

def leaky_relu_backward(dout, cache):
    """Backward pass of leaky_relu_forward: slope 1 for x > 0 and alpha for x <= 0.

    Inputs:
    - dout: float array with the shape of x.
    - cache: from leaky_relu_forward.

    Returns:
    - dx: float64 array with the shape of x.

    The input arrays are not modified.
    """
    my_x, my_alpha = cache
    pass
    return np.where(my_x > 0, 1.0, my_alpha) * dout

def leaky_relu_forward(x, alpha=0.1):
    """Leaky ReLU: out = x for x > 0, alpha * x for x <= 0.

    Inputs:
    - x: float array of any shape.
    - alpha: float, the slope on the negative side.

    Returns a tuple of:
    - out: float64 array with the shape of x.
    - cache: what leaky_relu_backward needs.

    The input arrays are not modified.
    """
    return (np.where(x > 0, x, x * alpha), (x, alpha))

def relu_backward(dout, cache):
    """Backward pass of relu_forward; the derivative at x = 0 is taken to be 0.

    Inputs:
    - dout: float array with the shape of x.
    - cache: from relu_forward.

    Returns:
    - dx: float64 array with the shape of x.

    The input arrays are not modified.
    """
    my_x = cache
    pass
    return (my_x > 0) * dout

def relu_forward(x):
    """Rectified linear unit: out = max(0, x).

    Input:
    - x: float array of any shape.

    Returns a tuple of:
    - out: float64 array with the shape of x.
    - cache: what relu_backward needs.

    The input arrays are not modified.
    """
    return (np.maximum(0.0, x), x)

def affine_backward(dout, cache):
    """Backward pass of affine_forward.

    Inputs:
    - dout: float array of shape (N, M).
    - cache: from affine_forward.

    Returns a tuple of:
    - dx: float64 array with the shape of x, (N, d_1, ..., d_k).
    - dw: float64 array of shape (D, M).
    - db: float64 array of shape (M,).

    The input arrays are not modified.
    """
    my_x, my_w = cache
    pass
    my_dx = (dout @ my_w.T).reshape(my_x.shape)
    my_dw = my_x.reshape(my_x.shape[0], -1).T @ dout
    pass
    my_db = dout.sum(axis=0)
    return (my_dx, my_dw, my_db)

def affine_forward(x, w, b):
    """Fully connected layer: out = x.reshape(N, D) @ w + b.

    Inputs:
    - x: float array of shape (N, d_1, ..., d_k); each example is flattened to D = d_1 * ... * d_k.
    - w: float array of shape (D, M).
    - b: float array of shape (M,).

    Returns a tuple of:
    - out: float64 array of shape (N, M).
    - cache: what affine_backward needs.

    The input arrays are not modified.
    """
    my_out = b + x.reshape(x.shape[0], -1) @ w
    pass
    return (my_out, (x, w))
