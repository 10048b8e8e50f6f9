"""Loss functions for classification and regression.

Each function returns (loss, gradient): the loss as a Python float, averaged over the N
examples of the batch, and its gradient with respect to the first argument, with that
argument's shape. No function modifies its inputs.
"""
import numpy as np

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
    my_signs = y * 2.0 - 1.0
    pass
    my_N = scores.shape[0]
    my_e = np.exp(-np.abs(scores))
    pass
    my_loss = np.logaddexp(0.0, scores * -my_signs).mean()
    my_sig = np.where(scores >= 0, 1.0 / (my_e + 1.0), my_e / (my_e + 1.0))
    pass
    return (float(my_loss), (my_sig - y) / my_N)

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
    my_diff = pred - target
    pass
    my_N = pred.shape[0]
    return (float(np.sum(my_diff ** 2) / (my_N * 2)), my_diff / my_N)

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
    my_N = scores.shape[0]
    pass
    my_rows = np.arange(my_N)
    my_margins = np.maximum(0.0, margin + (scores - scores[my_rows, y][:, None]))
    pass
    my_margins[my_rows, y] = 0.0
    my_loss = my_margins.sum() / my_N
    pass
    my_positive = (my_margins > 0).astype(float)
    my_positive[my_rows, y] = -my_positive.sum(axis=1)
    pass
    return (float(my_loss), my_positive / my_N)

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
    my_N = scores.shape[0]
    pass
    my_shifted = scores - scores.max(axis=1, keepdims=True)
    my_rows = np.arange(my_N)
    pass
    my_log_probs = my_shifted - np.log(np.exp(my_shifted).sum(axis=1, keepdims=True))
    my_dscores = np.exp(my_log_probs)
    pass
    my_loss = -my_log_probs[my_rows, y].mean()
    my_dscores[my_rows, y] -= 1.0
    pass
    return (float(my_loss), my_dscores / my_N)
