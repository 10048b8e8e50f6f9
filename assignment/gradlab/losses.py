"""Loss functions for classification and regression.

Each function returns (loss, gradient): the loss as a Python float, averaged over the N
examples of the batch, and its gradient with respect to the first argument, with that
argument's shape. No function modifies its inputs.
"""
import numpy as np


def softmax_loss(scores, y):
    """Softmax (cross-entropy) loss.

    Inputs:
    - scores: float array of shape (N, C), class scores of N examples.
    - y: int array of shape (N,), the correct class of each example, 0 <= y[i] < C.

    Returns a tuple of:
    - loss: float, mean over N of -log softmax(scores[i])[y[i]].
    - dscores: float64 array of shape (N, C), the gradient of loss with respect to scores.

    Stays finite for scores as large as 1e4 in magnitude.

    The input arrays are not modified.
    """
    raise NotImplementedError("softmax_loss is not implemented yet. Hint: subtract each row's maximum before exponentiating; work with log-probabilities.")


def svm_loss(scores, y, margin=1.0):
    """Multiclass SVM (hinge) loss.

    Inputs:
    - scores: float array of shape (N, C).
    - y: int array of shape (N,), 0 <= y[i] < C.
    - margin: float, the margin Delta.

    Returns a tuple of:
    - loss: float, mean over N of sum over j != y[i] of max(0, scores[i, j] - scores[i, y[i]] + margin).
    - dscores: float64 array of shape (N, C). A term exactly at 0 contributes gradient 0.

    The input arrays are not modified.
    """
    raise NotImplementedError('svm_loss is not implemented yet. Hint: compute all margins at once, zero the correct class, then count the positive terms per row.')


def mse_loss(pred, target):
    """Mean squared error, halved.

    Inputs:
    - pred: float array of shape (N,) or (N, D), predictions.
    - target: float array with the shape of pred.

    Returns a tuple of:
    - loss: float, (1 / (2N)) * sum over all entries of (pred - target)**2, N = pred.shape[0].
    - dpred: float64 array with the shape of pred.

    The input arrays are not modified.
    """
    raise NotImplementedError('mse_loss is not implemented yet. Hint: the 1/2 cancels the 2 from the square; the 1/N stays.')


def logistic_loss(scores, y):
    """Binary logistic loss on raw scores (logits).

    Inputs:
    - scores: float array of shape (N,).
    - y: int array of shape (N,) with values in {0, 1}.

    Returns a tuple of:
    - loss: float, mean over N of log(1 + exp(-s)) where y = 1 and log(1 + exp(s)) where y = 0.
    - dscores: float64 array of shape (N,).

    Stays finite for scores as large as 1e4 in magnitude.

    The input arrays are not modified.
    """
    raise NotImplementedError('logistic_loss is not implemented yet. Hint: both cases are softplus(-t * s) with t = 2y - 1; np.logaddexp(0, z) is a stable softplus.')
