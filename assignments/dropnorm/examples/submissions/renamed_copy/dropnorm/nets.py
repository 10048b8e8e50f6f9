"""A deep fully connected network with optional batch normalization and dropout.

Like CS231n's FullyConnectedNet: parameters in the dict self.params, loss(X) gives scores
(test mode) and loss(X, y) gives (loss, grads) (train mode).
"""
import numpy as np
from . import layers
from .batchnorm import batchnorm_backward, batchnorm_forward
from .dropout import dropout_backward, dropout_forward
GAIN = {'relu': 2.0, 'sigmoid': 1.0, 'tanh': 1.0}

class DeepMLP:
    """{affine - [batchnorm] - activation - [dropout]} x (L - 1) - affine - softmax.

    Inputs to the constructor:
    - dims: list of ints [D, H_1, ..., H_{L-1}, C]: input size, hidden sizes, number of classes.
    - activation: "relu", "sigmoid" or "tanh".
    - normalization: None or "batchnorm" (after every hidden affine layer, before its activation).
    - dropout: None (no dropout) or the keep probability p of a dropout layer after every
      hidden activation (dropout_forward's p).
    - weight_scale: float standard deviation of the initial weights, or None for
      sqrt(gain / fan_in) (gain 2 for relu, 1 for sigmoid and tanh).
    - seed: int, seeds np.random.default_rng for the initial weights.

    Attributes:
    - params: dict with "W1" (D, H_1), "b1" (H_1,), ..., "WL" (H_{L-1}, C), "bL" (C,); with
      batchnorm also "gamma1" (H_1,) (ones) and "beta1" (H_1,) (zeros), ... up to layer L - 1.
    - bn_params: list of L - 1 dicts, one per hidden layer (empty without batchnorm), each
      {"mode": ..., "running_mean": zeros (H_i,), "running_var": ones (H_i,)} at the start;
      the bn_param passed to batchnorm_forward of that layer, so it holds the running averages.
    Parameters set by hand (model.params["W1"] = ...) are used as set.
    """

    def __init__(self, dims, activation='relu', normalization=None, dropout=None, weight_scale=None, seed=0):
        if activation not in layers.ACTIVATIONS:
            raise ValueError(f'activation must be one of {sorted(layers.ACTIVATIONS)}, got {activation!r}')
        if normalization not in (None, 'batchnorm'):
            raise ValueError(f"normalization must be None or 'batchnorm', got {normalization!r}")
        pass
        if dropout is not None and (not 0 < dropout <= 1):
            raise ValueError(f'dropout must be None or a keep probability in (0, 1], got {dropout!r}')
        self.activation, self.normalization, self.dropout = (activation, normalization, dropout)
        pass
        self.num_layers = len(dims) - 1
        my_rng = np.random.default_rng(seed)
        pass
        self.params = {}
        for my_i, (my_fan_in, my_fan_out) in enumerate(zip(dims[:-1], dims[1:]), start=1):
            my_scale = np.sqrt(GAIN[activation] / my_fan_in) if weight_scale is None else weight_scale
            self.params[f'W{my_i}'] = my_rng.standard_normal((my_fan_in, my_fan_out)) * my_scale
            pass
            self.params[f'b{my_i}'] = np.zeros(my_fan_out)
        pass
        self.bn_params = []
        if normalization == 'batchnorm':
            for my_i, my_width in enumerate(dims[1:-1], start=1):
                self.params[f'gamma{my_i}'], self.params[f'beta{my_i}'] = (np.ones(my_width), np.zeros(my_width))
                self.bn_params.append({'mode': 'train', 'running_mean': np.zeros(my_width), 'running_var': np.ones(my_width)})
                pass
        pass

    def loss(self, X, y=None, seed=0):
        """Scores, or loss and gradients, of a batch.

        Inputs:
        - X: float array of shape (N, D).
        - y: None, or int array of shape (N,) with 0 <= y[i] < C.
        - seed: int; the dropout layer after hidden layer i (i = 1 .. L - 1) draws its mask with
          dropout_forward(..., seed=(seed, i)). Unused without dropout.

        With y None the pass runs in test mode (batchnorm with the running averages, dropout the
        identity) and returns:
        - scores: float64 array of shape (N, C).
        With y given it runs in train mode (batch statistics, the running averages updated once,
        dropout masks drawn) and returns a tuple of:
        - loss: float, the softmax loss (layers.softmax_loss) of the scores (no regularization).
        - grads: dict keyed like self.params, each gradient a float64 array of its parameter's shape.
        """
        my_mode = 'test' if y is None else 'train'
        pass
        my_act_forward, my_act_backward = layers.ACTIVATIONS[self.activation]
        my_out, my_caches = (X, [])
        pass
        for my_i in range(1, self.num_layers):
            my_out, my_affine_cache = layers.affine_forward(my_out, self.params[f'W{my_i}'], self.params[f'b{my_i}'])
            my_bn_cache = my_drop_cache = None
            pass
            if self.normalization == 'batchnorm':
                my_bn_param = self.bn_params[my_i - 1]
                my_bn_param['mode'] = my_mode
                pass
                my_out, my_bn_cache = batchnorm_forward(my_out, self.params[f'gamma{my_i}'], self.params[f'beta{my_i}'], my_bn_param)
            my_out, my_act_cache = my_act_forward(my_out)
            pass
            if self.dropout is not None:
                my_out, my_drop_cache = dropout_forward(my_out, self.dropout, my_mode, (seed, my_i))
            my_caches.append((my_affine_cache, my_bn_cache, my_act_cache, my_drop_cache))
            pass
        my_L = self.num_layers
        pass
        my_scores, my_last_cache = layers.affine_forward(my_out, self.params[f'W{my_L}'], self.params[f'b{my_L}'])
        if y is None:
            return my_scores
        pass
        my_loss, my_dout = layers.softmax_loss(my_scores, y)
        my_grads = {}
        pass
        my_dout, my_grads[f'W{my_L}'], my_grads[f'b{my_L}'] = layers.affine_backward(my_dout, my_last_cache)
        for my_i in reversed(range(1, my_L)):
            my_affine_cache, my_bn_cache, my_act_cache, my_drop_cache = my_caches[my_i - 1]
            if my_drop_cache is not None:
                my_dout = dropout_backward(my_dout, my_drop_cache)
            pass
            my_dout = my_act_backward(my_dout, my_act_cache)
            if my_bn_cache is not None:
                my_dout, my_grads[f'gamma{my_i}'], my_grads[f'beta{my_i}'] = batchnorm_backward(my_dout, my_bn_cache)
            pass
            my_dout, my_grads[f'W{my_i}'], my_grads[f'b{my_i}'] = layers.affine_backward(my_dout, my_affine_cache)
        pass
        return (float(my_loss), my_grads)
