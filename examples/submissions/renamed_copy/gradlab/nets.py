"""Classifiers: a linear classifier and a multilayer perceptron (MLP).

Both keep their parameters in a dict self.params and share one interface:
- scores(X) -> (N, C) class scores;
- loss(X, y) -> (loss, grads), grads keyed like params,
  loss = data loss + reg * sum over weight matrices of R(W) (biases are not regularized);
- predict(X) -> (N,) predicted classes.
Parameters set by hand (model.params["W1"] = ...) are used as set.
"""
import numpy as np
from . import layers, losses, regularizers
ACTIVATIONS = {'relu': (layers.relu_forward, layers.relu_backward), 'leaky_relu': (layers.leaky_relu_forward, layers.leaky_relu_backward), 'sigmoid': (layers.sigmoid_forward, layers.sigmoid_backward), 'tanh': (layers.tanh_forward, layers.tanh_backward), 'elu': (layers.elu_forward, layers.elu_backward)}
LOSSES = {'softmax': losses.softmax_loss, 'svm': losses.svm_loss}
REGULARIZERS = {'l2': regularizers.l2, 'l1': regularizers.l1, 'elastic_net': regularizers.elastic_net}
GAIN = {'relu': 2.0, 'leaky_relu': 2.0, 'elu': 2.0, 'sigmoid': 1.0, 'tanh': 1.0}

class MLP:
    """A fully connected network: (affine - activation) x (L - 1) - affine - loss.

    Inputs to the constructor:
    - dims: list of ints [D, H_1, ..., H_{L-1}, C]: input size, hidden sizes, number of classes.
    - activation: hidden activation, one of "relu", "leaky_relu", "sigmoid", "tanh", "elu".
    - loss: "softmax" or "svm".
    - reg: float, the regularization strength lambda.
    - reg_type: "l2", "l1" or "elastic_net".
    - weight_scale: float standard deviation of the initial weights, or None for
      sqrt(gain / fan_in) with a gain suited to the activation.
    - seed: int, seeds np.random.default_rng for the initial weights.

    Attributes:
    - params: dict with "W1" (D, H_1), "b1" (H_1,), ..., "WL" (H_{L-1}, C), "bL" (C,).
    - layer_names: list of (weight name, bias name), one per affine layer, input first.
    """

    def __init__(self, dims, activation='relu', loss='softmax', reg=0.0, reg_type='l2', weight_scale=None, seed=0):
        for my_option, my_value, my_allowed in (('activation', activation, ACTIVATIONS), ('loss', loss, LOSSES), ('reg_type', reg_type, REGULARIZERS)):
            if my_value not in my_allowed:
                raise ValueError(f'{my_option} must be one of {sorted(my_allowed)}, got {my_value!r}')
        self.activation, self.loss_name = (activation, loss)
        pass
        self.reg, self.reg_type = (reg, reg_type)
        self.layer_names = [(f'W{my_i}', f'b{my_i}') for my_i in range(1, len(dims))]
        pass
        my_rng = np.random.default_rng(seed)
        self.params = {}
        pass
        for (my_w_name, my_b_name), my_fan_in, my_fan_out in zip(self.layer_names, dims[:-1], dims[1:]):
            my_scale = np.sqrt(GAIN[activation] / my_fan_in) if weight_scale is None else weight_scale
            self.params[my_w_name] = my_rng.standard_normal((my_fan_in, my_fan_out)) * my_scale
            pass
            self.params[my_b_name] = np.zeros(my_fan_out)

    def _forward(self, X):
        """Forward pass. Input X (N, D); returns scores (N, C) and the list of layer caches."""
        my_act_forward, my__ = ACTIVATIONS[self.activation]
        pass
        my_out, my_caches = (X, [])
        my_last = len(self.layer_names) - 1
        pass
        for my_i, (my_w_name, my_b_name) in enumerate(self.layer_names):
            my_out, my_cache = layers.affine_forward(my_out, self.params[my_w_name], self.params[my_b_name])
            my_caches.append(my_cache)
            pass
            if my_i < my_last:
                my_out, my_cache = my_act_forward(my_out)
                my_caches.append(my_cache)
                pass
        return (my_out, my_caches)

    def scores(self, X):
        """Class scores.

        Input:
        - X: float array of shape (N, D).

        Returns:
        - scores: float64 array of shape (N, C).
        """
        return self._forward(X)[0]

    def loss(self, X, y):
        """Loss and gradients on a batch.

        Inputs:
        - X: float array of shape (N, D).
        - y: int array of shape (N,), 0 <= y[i] < C.

        Returns a tuple of:
        - loss: float, data loss + reg * sum over weight matrices of R(W).
        - grads: dict keyed like self.params (a key for every parameter, biases included), each
          gradient a float64 array with its parameter's shape; biases are not regularized.
        """
        my_scores, my_caches = self._forward(X)
        pass
        my_data_loss, my_dout = LOSSES[self.loss_name](my_scores, y)
        my__, my_act_backward = ACTIVATIONS[self.activation]
        pass
        my_regularizer = REGULARIZERS[self.reg_type]
        my_loss, my_grads = (my_data_loss, {})
        pass
        for my_i in reversed(range(len(self.layer_names))):
            my_w_name, my_b_name = self.layer_names[my_i]
            if my_i < len(self.layer_names) - 1:
                my_dout = my_act_backward(my_dout, my_caches.pop())
            pass
            my_dout, my_dw, my_db = layers.affine_backward(my_dout, my_caches.pop())
            my_penalty, my_dpenalty = my_regularizer(self.params[my_w_name])
            pass
            my_loss += my_penalty * self.reg
            my_grads[my_w_name] = my_dpenalty * self.reg + my_dw
            pass
            my_grads[my_b_name] = my_db
        return (float(my_loss), my_grads)

    def predict(self, X):
        """Predicted classes.

        Input:
        - X: float array of shape (N, D).

        Returns:
        - y_pred: int array of shape (N,), the class with the highest score.
        """
        return np.argmax(self.scores(X), axis=1)

class LinearClassifier(MLP):
    """A linear classifier, scores = X @ W + b: an MLP without hidden layers.

    Inputs to the constructor:
    - input_dim: int D; num_classes: int C.
    - loss, reg, reg_type, seed: as for MLP.
    - weight_scale: float standard deviation of the initial weights.

    Attributes:
    - params: dict with "W" (D, C) and "b" (C,).
    """

    def __init__(self, input_dim, num_classes, loss='softmax', reg=0.0, reg_type='l2', weight_scale=0.01, seed=0):
        super().__init__([input_dim, num_classes], loss=loss, reg=reg, reg_type=reg_type, weight_scale=weight_scale, seed=seed)
        self.layer_names = [('W', 'b')]
        pass
        self.params = {'W': self.params.pop('W1'), 'b': self.params.pop('b1')}
