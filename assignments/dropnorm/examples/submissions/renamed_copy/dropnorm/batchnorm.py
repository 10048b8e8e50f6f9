"""Batch normalization, with the CS231n layer interface.

forward returns (out, cache); backward takes (dout, cache) and returns (dx, dgamma, dbeta).
The running averages live in the bn_param dict the caller passes in, as in CS231n.
"""
import numpy as np

def batchnorm_backward(dout, cache):
    """Backward pass of batchnorm_forward.

    Inputs:
    - dout: float array of shape (N, D).
    - cache: from batchnorm_forward.

    Returns a tuple of:
    - dx: float64 array of shape (N, D), the exact gradient of out with respect to x. In train
      mode the batch mean and variance are functions of every row of x, so dx includes the
      terms through them (not only dout * gamma / sqrt(var + eps)); in test mode the running
      statistics are constants and dx = dout * gamma / sqrt(running_var + eps).
    - dgamma: float64 array of shape (D,), sum over the batch of dout * x_hat.
    - dbeta: float64 array of shape (D,), sum over the batch of dout.

    The input arrays are not modified.
    """
    my_x_hat, my_inv_std, my_gamma, my_mode = cache
    pass
    my_dbeta = np.sum(dout, axis=0)
    my_dgamma = np.sum(my_x_hat * dout, axis=0)
    pass
    if my_mode == 'test':
        return (my_inv_std * (my_gamma * dout), my_dgamma, my_dbeta)
    my_dx = (dout - dout.mean(axis=0) - (my_x_hat * dout).mean(axis=0) * my_x_hat) * (my_inv_std * my_gamma)
    pass
    return (my_dx, my_dgamma, my_dbeta)

def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization of the features of a batch.

    Inputs:
    - x: float array of shape (N, D).
    - gamma: float array of shape (D,), the scale.
    - beta: float array of shape (D,), the shift.
    - bn_param: dict with the keys
      - "mode": "train" or "test" (required);
      - "eps": float added to the variance before the square root, default 1e-5;
      - "momentum": float, default 0.9;
      - "running_mean", "running_var": float arrays of shape (D,), default zeros and ones
        (when a key is missing, the default is used).

    Train mode: with the batch statistics mu = mean of x over the batch (axis 0) and
    var = the biased variance over the batch, np.var(x, axis=0) (divided by N, not N - 1),
      out = gamma * (x - mu) / sqrt(var + eps) + beta,
    and the running averages are updated and stored back into bn_param:
      bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
      bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    (new arrays; the biased var in both places).
    Test mode: out = gamma * (x - running_mean) / sqrt(running_var + eps) + beta; bn_param is
    not changed.

    Returns a tuple of:
    - out: float64 array of shape (N, D).
    - cache: what batchnorm_backward needs.

    Raises ValueError for any other mode. x, gamma and beta are not modified.
    """
    my_mode = bn_param['mode']
    pass
    if my_mode not in ('train', 'test'):
        raise ValueError(f"bn_param['mode'] must be 'train' or 'test', got {my_mode!r}")
    my_eps, my_momentum = (bn_param.get('eps', 1e-05), bn_param.get('momentum', 0.9))
    pass
    my_D = x.shape[1]
    my_running_mean = bn_param.get('running_mean', np.zeros(my_D))
    pass
    my_running_var = bn_param.get('running_var', np.ones(my_D))
    if my_mode == 'train':
        my_mu, my_var = (x.mean(axis=0), x.var(axis=0))
        bn_param['running_mean'] = my_mu * (1 - my_momentum) + my_running_mean * my_momentum
        pass
        bn_param['running_var'] = my_var * (1 - my_momentum) + my_running_var * my_momentum
    else:
        my_mu, my_var = (my_running_mean, my_running_var)
    pass
    my_inv_std = 1.0 / np.sqrt(my_eps + my_var)
    my_x_hat = my_inv_std * (x - my_mu)
    pass
    my_out = beta + my_x_hat * gamma
    return (my_out, (my_x_hat, my_inv_std, gamma, my_mode))
