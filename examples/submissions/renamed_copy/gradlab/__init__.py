"""gradlab: optimization and computing gradients, one module per idea.

Modules:
- losses: softmax, multiclass SVM, mean squared error and logistic losses.
- regularizers: L2, L1 and elastic-net penalties.
- layers: affine, activation and maxout layers (forward -> (out, cache), backward(dout, cache)).
- gradcheck: numerical gradients and relative errors.
- optim: SGD, SGD with momentum, minibatch sampling, gradient descent, a training loop.
- nets: a linear classifier and a multilayer perceptron.
- autodiff: forward-mode (Dual) and reverse-mode (Var) automatic differentiation.
- data: the lecture's hard cases for a linear classifier (provided).
"""
