"""Layers with the CS231n interface.

Every forward returns (out, cache); every backward takes (dout, cache), where dout is the
upstream gradient with the shape of out, and returns the gradients with respect to the
forward's array inputs, each with its input's shape. What goes into a cache is the layer's
own business. No function modifies its inputs.
"""
import numpy as np


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
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w)


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
    x, w = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


def relu_forward(x):
    """Rectified linear unit: out = max(0, x).

    Input:
    - x: float array of any shape.

    Returns a tuple of:
    - out: float64 array with the shape of x.
    - cache: what relu_backward needs.

    The input arrays are not modified.
    """
    return np.maximum(0.0, x), x


def relu_backward(dout, cache):
    """Backward pass of relu_forward; the derivative at x = 0 is taken to be 0.

    Inputs:
    - dout: float array with the shape of x.
    - cache: from relu_forward.

    Returns:
    - dx: float64 array with the shape of x.

    The input arrays are not modified.
    """
    x = cache
    return dout * (x > 0)


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
    return np.where(x > 0, x, alpha * x), (x, alpha)


def leaky_relu_backward(dout, cache):
    """Backward pass of leaky_relu_forward: slope 1 for x > 0 and alpha for x <= 0.

    Inputs:
    - dout: float array with the shape of x.
    - cache: from leaky_relu_forward.

    Returns:
    - dx: float64 array with the shape of x.

    The input arrays are not modified.
    """
    x, alpha = cache
    return dout * np.where(x > 0, 1.0, alpha)


def sigmoid_forward(x):
    """Logistic sigmoid: out = 1 / (1 + exp(-x)), finite for |x| up to 1e4.

    Input:
    - x: float array of any shape.

    Returns a tuple of:
    - out: float64 array with the shape of x, values in [0, 1].
    - cache: what sigmoid_backward needs.

    The input arrays are not modified.
    """
    e = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return out, out


def sigmoid_backward(dout, cache):
    """Backward pass of sigmoid_forward: d sigma / dx = sigma(x) * (1 - sigma(x)).

    Inputs:
    - dout: float array with the shape of x.
    - cache: from sigmoid_forward.

    Returns:
    - dx: float64 array with the shape of x.

    The input arrays are not modified.
    """
    out = cache
    return dout * out * (1.0 - out)


def tanh_forward(x):
    """Hyperbolic tangent.

    Input:
    - x: float array of any shape.

    Returns a tuple of:
    - out: float64 array with the shape of x.
    - cache: what tanh_backward needs.

    The input arrays are not modified.
    """
    out = np.tanh(x)
    return out, out


def tanh_backward(dout, cache):
    """Backward pass of tanh_forward: d tanh / dx = 1 - tanh(x)**2.

    Inputs:
    - dout: float array with the shape of x.
    - cache: from tanh_forward.

    Returns:
    - dx: float64 array with the shape of x.

    The input arrays are not modified.
    """
    out = cache
    return dout * (1.0 - out * out)


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
    out = np.where(x >= 0, x, alpha * np.expm1(np.minimum(x, 0.0)))
    return out, (x, alpha)


def elu_backward(dout, cache):
    """Backward pass of elu_forward: slope 1 for x >= 0 and alpha * exp(x) for x < 0.

    Inputs:
    - dout: float array with the shape of x.
    - cache: from elu_forward.

    Returns:
    - dx: float64 array with the shape of x.

    The input arrays are not modified.
    """
    x, alpha = cache
    return dout * np.where(x >= 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


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
    z = np.einsum("nd,kdm->knm", x, w) + b[:, None, :]
    winner = np.argmax(z, axis=0)  # argmax keeps the first maximal piece on a tie
    out = np.take_along_axis(z, winner[None], axis=0)[0]
    return out, (x, w, winner)


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
    x, w, winner = cache
    K = w.shape[0]
    dz = (np.arange(K)[:, None, None] == winner[None]) * dout[None]  # (K, N, M)
    dx = np.einsum("knm,kdm->nd", dz, w)
    dw = np.einsum("nd,knm->kdm", x, dz)
    db = dz.sum(axis=1)
    return dx, dw, db
