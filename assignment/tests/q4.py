"""Section 4, numerical vs. analytic gradients: public tests of gradlab.gradcheck and of the
mean squared error and logistic losses.

Run with pytest (`make check`) or in the notebook with grader.check("q4"): see support/otter_cases.py.
"""
import numpy as np

from gradlab import gradcheck, losses
from tests.support.contract import array, number, returned
from tests.support.numeric import assert_gradient
from tests.support.otter_cases import otter_cases

OK_FORMAT = False  # otter: a Python-format test file
name = "q4"

X = np.array([[0.5, -1.5, 2.0], [1.0, 0.25, -0.75]])


def test_numerical_gradient_centered():
    x = X.copy()
    grad = gradcheck.numerical_gradient(lambda v: float(np.sum(v ** 3)), x)
    assert np.array_equal(x, X), "numerical_gradient must leave x with exactly its original values"
    grad = array(grad, "the gradient from numerical_gradient", X.shape)
    assert np.allclose(grad, 3 * X ** 2, rtol=1e-8), "the centered difference of sum(x**3) should be 3 x**2"


def test_numerical_gradient_forward():
    # Forward differences of sum(x**2) are exactly 2x + h: the O(h) error of the lecture's formula.
    x = X.copy()
    grad = array(gradcheck.numerical_gradient(lambda v: float(np.sum(v ** 2)), x, h=1e-3, method="forward"),
                 "the gradient from numerical_gradient", X.shape)
    assert np.array_equal(x, X), "numerical_gradient must leave x with exactly its original values"
    assert np.allclose(grad, 2 * X + 1e-3, atol=1e-8), "method='forward' should compute (f(x + h) - f(x)) / h"


def test_numerical_gradient_array():
    x = X.copy()
    dout = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
    grad = array(gradcheck.numerical_gradient_array(lambda v: v ** 2, x, dout),
                 "the gradient from numerical_gradient_array", X.shape)
    assert np.array_equal(x, X), "numerical_gradient_array must leave x with exactly its original values"
    assert np.allclose(grad, 2 * X * dout, rtol=1e-8), "the gradient of sum(x**2 * dout) should be 2 x dout"


def test_rel_error():
    assert number(gradcheck.rel_error(np.ones(3), np.ones(3)), "rel_error") == 0.0
    assert np.isclose(number(gradcheck.rel_error(np.array([1.0, 2.0]), np.array([1.0, 3.0])), "rel_error"), 0.2), \
        "rel_error should be the max of |a - b| / (|a| + |b|)"
    assert number(gradcheck.rel_error(np.zeros(2), np.zeros(2)), "rel_error") == 0.0, \
        "rel_error of zeros should be 0, not NaN"


def test_grad_check_sparse():
    def f(v):
        return float(np.sum(v ** 3))
    x = X.copy()
    errors = gradcheck.grad_check_sparse(f, x, 3 * X ** 2, num_checks=7, seed=1)
    assert np.array_equal(x, X), "grad_check_sparse must leave x with exactly its original values"
    errors = array(errors, "grad_check_sparse's errors (one per check)", (7,))
    assert np.max(errors) < 1e-6, "grad_check_sparse reports errors for a correct gradient"
    assert np.array_equal(errors, gradcheck.grad_check_sparse(f, x, 3 * X ** 2, num_checks=7, seed=1)), \
        "grad_check_sparse should be deterministic for a seed"
    assert np.min(array(gradcheck.grad_check_sparse(f, x, 3 * X ** 2 + 1.0, num_checks=7),
                        "grad_check_sparse's errors (one per check)", (7,))) > 1e-3, \
        "grad_check_sparse misses a wrong gradient"
    zeros = array(gradcheck.grad_check_sparse(lambda v: 0.0, x, np.zeros_like(X), num_checks=3),
                  "grad_check_sparse's errors (one per check)", (3,))
    assert not np.any(np.isnan(zeros)), "grad_check_sparse should never return NaN"


def test_mse_loss():
    pred, target = np.array([1.0, 2.0, 4.0]), np.array([1.5, 2.0, 2.0])
    loss, dpred = returned(losses.mse_loss(pred.copy(), target), ("loss", "dpred"), "mse_loss")
    loss = number(loss, "the loss of mse_loss")
    assert np.isclose(loss, (0.25 + 4.0) / 6), f"mse_loss should be sum((pred - target)**2) / (2N), got {loss}"
    assert_gradient(dpred, lambda p: losses.mse_loss(p, target)[0], pred, "dpred of mse_loss")
    rng = np.random.default_rng(0)
    pred, target = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    loss, dpred = returned(losses.mse_loss(pred, target), ("loss", "dpred"), "mse_loss")
    loss = number(loss, "the loss of mse_loss")
    assert np.isclose(loss, np.sum((pred - target) ** 2) / 8), "for (N, D) predictions N is pred.shape[0]"
    assert_gradient(dpred, lambda p: losses.mse_loss(p, target)[0], pred, "dpred of mse_loss (N, D)")


def test_logistic_loss():
    loss, _ = returned(losses.logistic_loss(np.zeros(4), np.array([0, 1, 1, 0])), ("loss", "dscores"),
                       "logistic_loss")
    loss = number(loss, "the loss of logistic_loss")
    assert np.isclose(loss, np.log(2)), f"scores of 0 give logistic loss log(2), got {loss}"
    scores, y = np.array([-2.0, -0.3, 0.8, 1.7, 3.1]), np.array([1, 0, 1, 0, 1])
    _, dscores = returned(losses.logistic_loss(scores.copy(), y), ("loss", "dscores"), "logistic_loss")
    assert_gradient(dscores, lambda s: losses.logistic_loss(s, y)[0], scores, "dscores of logistic_loss")
    loss, dscores = returned(losses.logistic_loss(np.array([1e4, -1e4]), np.array([0, 1])), ("loss", "dscores"),
                             "logistic_loss")
    loss, dscores = number(loss, "the loss of logistic_loss"), array(dscores, "dscores of logistic_loss", (2,))
    assert np.isclose(loss, 1e4) and np.all(np.isfinite(dscores)), \
        "logistic_loss should stay finite (here 1e4) for scores of 1e4"


globals().update(otter_cases(globals()))
