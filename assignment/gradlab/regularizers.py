"""Weight penalties R(W) from the lecture, each returning (R, dR/dW).

The total loss of a model is data loss + reg * sum over its weight matrices of R(W).
"""
import numpy as np


def l2(W):
    """L2 penalty.

    Input:
    - W: float array of any shape.

    Returns a tuple of:
    - R: float, sum of W**2.
    - dW: float64 array with the shape of W.

    The input arrays are not modified.
    """
    raise NotImplementedError('l2 is not implemented yet. Hint: d(w^2)/dw = 2w.')


def l1(W):
    """L1 penalty.

    Input:
    - W: float array of any shape.

    Returns a tuple of:
    - R: float, sum of |W|.
    - dW: float64 array with the shape of W; the subgradient at 0 is 0.

    The input arrays are not modified.
    """
    raise NotImplementedError('l1 is not implemented yet. Hint: np.sign is 0 at 0.')


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
    raise NotImplementedError('elastic_net is not implemented yet. Hint: the sum of the two penalties above, with beta on the squared term.')
