"""gradlab's own diagnosis codes (beside the harness's, autograder/checks/diagnosis.py) and the advice
and suspects that go with them."""
import numpy as np

from autograder.checks.diagnosis import Suspect, region

DIAGNOSES = {
    "missing_regularization_gradient": "a weight gradient equals the expected one minus reg * dR/dW: the penalty's "
                                       "gradient is not added",
    "wrong_regularization_gradient": "a weight gradient equals the data gradient plus a wrong multiple or form of "
                                     "reg * dR/dW",
    "regularized_bias": "the biases are regularized too (only weight matrices should be)",
    "wrong_on_negative_side": "right for positive inputs, wrong for negative ones (e.g. a missing alpha)",
    "derivative_from_wrong_cached_value": "the derivative is computed from the wrong cached value (the input "
                                          "where the formula needs the output, or the other way round)",
    "missing_bias_gradient": "the bias gradient is zero or missing",
    "missing_bias": "the output lacks the bias term b",
    "activation_on_output_layer": "the hidden activation is applied to the last layer's scores as well",
    "loss_offset": "the loss differs from the expected one by a known constant (e.g. a penalty or margin term "
                   "missing or counted twice) while its shape is right",
    "input_not_restored": "x does not hold its original values on return (a perturbation is not undone exactly)",
    "first_order_difference": "forward differences (f(x+h) - f(x)) / h where centered differences are asked for",
    "sampling_with_replacement": "a minibatch repeats rows (sampling with replacement)",
    "rows_misaligned": "X_batch and y_batch rows do not belong together",
    "repeats_minibatch": "the training loop uses the same minibatch at every iteration",
    "rng_remade": "the minibatches are not the successive draws of sample_minibatch from one rng made before the "
                  "loop from the seed given (the rng is made again or from another seed, or the batches are drawn "
                  "some other way)",
    "not_converged": "training does not reach the required accuracy (the loss stays high)",
    "diverged": "training diverged (the loss grows or becomes NaN)",
}

OVERFLOW_HINT = ("the inputs are finite but your result is not: exp of a number near 1e4 overflows; shift the "
                 "scores by their maximum, or write the formula with exp(-|x|) or np.logaddexp")


def missing_bias_gradient(expected):
    """Suspect: a bias gradient left at zero."""
    return Suspect("missing_bias_gradient", "{what} is all zeros: the bias gradient is the upstream gradient "
                   "summed over the batch", np.zeros_like(np.asarray(expected, dtype=float)))


def negative_side(mask, where):
    """Suspect: a mistake confined to an activation's negative branch."""
    return region("wrong_on_negative_side", mask, where, "{what} is right for positive inputs and wrong " + where +
                  ": check the negative branch (its slope or alpha)")
