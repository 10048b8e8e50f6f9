"""The basic layers the networks need, with the CS231n interface (provided, complete).

Every forward returns (out, cache); every backward takes (dout, cache) and returns the
gradients with respect to the forward's array inputs, each with its input's shape.
"""
import numpy as np


def affine_forward(x, w, b):
    """Fully connected layer: out = x @ w + b, for x (N, D), w (D, M), b (M,); returns (out, cache)."""
    return x @ w + b, (x, w)


def affine_backward(dout, cache):
    """Backward pass of affine_forward: returns (dx (N, D), dw (D, M), db (M,))."""
    x, w = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def relu_forward(x):
    """out = max(0, x); returns (out, cache)."""
    return np.maximum(0.0, x), x


def relu_backward(dout, cache):
    """Backward pass of relu_forward (the derivative at 0 taken to be 0): returns dx."""
    return dout * (cache > 0)


def sigmoid_forward(x):
    """out = 1 / (1 + exp(-x)), computed without overflow; returns (out, cache)."""
    e = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return out, out


def sigmoid_backward(dout, cache):
    """Backward pass of sigmoid_forward: returns dx = dout * s * (1 - s)."""
    return dout * cache * (1.0 - cache)


def tanh_forward(x):
    """out = tanh(x); returns (out, cache)."""
    out = np.tanh(x)
    return out, out


def tanh_backward(dout, cache):
    """Backward pass of tanh_forward: returns dx = dout * (1 - tanh(x)**2)."""
    return dout * (1.0 - cache * cache)


def softmax_loss(scores, y):
    """Mean cross-entropy of the softmax of scores.

    Inputs:
    - scores: float array of shape (N, C).
    - y: int array of shape (N,), 0 <= y[i] < C.

    Returns a tuple of:
    - loss: float.
    - dscores: float64 array of shape (N, C).
    """
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    N = scores.shape[0]
    rows = np.arange(N)
    dscores = np.exp(log_probs)
    dscores[rows, y] -= 1.0
    return float(-log_probs[rows, y].mean()), dscores / N


ACTIVATIONS = {
    "relu": (relu_forward, relu_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
}
