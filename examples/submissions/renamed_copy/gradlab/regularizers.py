"""Weight penalties R(W) from the lecture, each returning (R, dR/dW).

The total loss of a model is data loss + reg * sum over its weight matrices of R(W).
"""
import numpy as np

def elastic_net(W, beta=0.5):
    """Elastic net (L1 + L2) penalty.

    Inputs:
    - W: float array of any shape.
    - beta: float, weight of the squared term.

    Returns a tuple of:
    - R: float, sum of beta * W**2 + |W|.
    - dW: float64 array with the shape of W; the subgradient of |W| at 0 is 0.

    The input arrays are not modified.
    """
    return (float(np.sum(np.abs(W) + W * (W * beta))), np.sign(W) + W * (beta * 2.0))

def l1(W):
    """L1 penalty.

    Input:
    - W: float array of any shape.

    Returns a tuple of:
    - R: float, sum of |W|.
    - dW: float64 array with the shape of W; the subgradient at 0 is 0.

    The input arrays are not modified.
    """
    return (float(np.sum(np.abs(W))), np.sign(W).astype(float))

def l2(W):
    """L2 penalty.

    Input:
    - W: float array of any shape.

    Returns a tuple of:
    - R: float, sum of W**2.
    - dW: float64 array with the shape of W.

    The input arrays are not modified.
    """
    return (float(np.sum(W * W)), W * 2.0)
