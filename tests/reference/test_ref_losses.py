"""Reference losses: naive formulas, numerical gradients, extreme inputs, purity."""
import math

import numpy as np
import pytest

from gradlab import losses
from numdiff import gradient, readonly, rel_err


def naive_softmax(scores, y):
    total = 0.0
    for s, label in zip(scores, y):
        total -= math.log(math.exp(s[label]) / sum(math.exp(v) for v in s))
    return total / len(y)


def naive_svm(scores, y, margin=1.0):
    total = 0.0
    for s, label in zip(scores, y):
        total += sum(max(0.0, s[j] - s[label] + margin) for j in range(len(s)) if j != label)
    return total / len(y)


def naive_logistic(scores, y):
    total = 0.0
    for s, label in zip(scores, y):
        total += math.log(1 + math.exp(-s)) if label == 1 else math.log(1 + math.exp(s))
    return total / len(y)


def classification_case(seed, N=6, C=4):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, C)), rng.integers(C, size=N)


def svm_case(seed, margin=1.0):
    """Scores whose hinge terms all stay at least 1e-2 away from their kink."""
    scores, y = classification_case(seed)
    terms = scores - scores[np.arange(len(y)), y][:, None] + margin
    terms[np.arange(len(y)), y] = 1.0
    assert np.min(np.abs(terms)) > 1e-2
    return scores, y


def binary_case(seed, N=7):
    rng = np.random.default_rng(seed)
    return rng.normal(scale=2.0, size=N), rng.integers(2, size=N)


def regression_case(seed, shape):
    rng = np.random.default_rng(seed)
    return rng.normal(size=shape), rng.normal(size=shape)


# name -> (loss function, inputs for a seed, naive value or None)
CASES = {
    "softmax": (losses.softmax_loss, classification_case, naive_softmax),
    "svm": (losses.svm_loss, svm_case, naive_svm),
    "svm_margin_2": (lambda s, y: losses.svm_loss(s, y, margin=2.0), lambda seed: svm_case(seed, 2.0),
                     lambda s, y: naive_svm(s, y, 2.0)),
    "logistic": (losses.logistic_loss, binary_case, naive_logistic),
    "mse_1d": (losses.mse_loss, lambda seed: regression_case(seed, (5,)), None),
    "mse_2d": (losses.mse_loss, lambda seed: regression_case(seed, (5, 3)), None),
}


@pytest.mark.parametrize("name", [n for n, case in CASES.items() if case[2] is not None])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_value_matches_naive_loop(name, seed):
    loss_fn, make, naive = CASES[name]
    first, second = make(seed)
    loss, _ = loss_fn(first, second)
    assert isinstance(loss, float)
    assert loss == pytest.approx(naive(first, second), rel=1e-12)


@pytest.mark.parametrize("shape", [(5,), (5, 3)])
def test_mse_value_matches_naive_loop(shape):
    pred, target = regression_case(3, shape)
    naive = sum((p - t) ** 2 for p, t in zip(pred.ravel(), target.ravel())) / (2 * shape[0])
    loss, dpred = losses.mse_loss(pred, target)
    assert loss == pytest.approx(naive, rel=1e-12)
    assert dpred.shape == shape


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_matches_centered_differences(name, seed):
    loss_fn, make, _ = CASES[name]
    first, second = make(seed)
    _, grad = loss_fn(first, second)
    assert grad.shape == first.shape
    numeric = gradient(lambda z: loss_fn(z, second)[0], first)
    assert rel_err(grad, numeric) < 1e-7


@pytest.mark.parametrize("name", CASES)
def test_inputs_not_modified_and_deterministic(name):
    loss_fn, make, _ = CASES[name]
    first, second = (readonly(a) for a in make(0))
    loss_a, grad_a = loss_fn(first, second)
    loss_b, grad_b = loss_fn(first, second)
    assert loss_a == loss_b and np.array_equal(grad_a, grad_b)
    assert np.array_equal(first, make(0)[0]) and np.array_equal(second, make(0)[1])


def test_softmax_finite_and_correct_at_extreme_scores():
    scores = np.array([[1e4, -1e4, 0.0], [1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]])
    y = np.array([0, 1, 2])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, dscores = losses.softmax_loss(scores, y)
    # Row 0 is certain and right (loss 0), row 1 certain and wrong (loss 2e4), row 2 uniform.
    assert loss == pytest.approx((0.0 + 2e4 + math.log(3)) / 3, rel=1e-12)
    expected = np.array([[0.0, 0.0, 0.0], [1.0, -1.0, 0.0], [1 / 3, 1 / 3, -2 / 3]]) / 3
    assert np.all(np.isfinite(dscores)) and np.allclose(dscores, expected, atol=1e-15)


def test_softmax_is_shift_invariant_per_row():
    scores, y = classification_case(4)
    shifted = scores + np.array([[5.0], [-300.0], [0.0], [1e3], [2.0], [-7.0]])
    assert losses.softmax_loss(shifted, y)[0] == pytest.approx(losses.softmax_loss(scores, y)[0], rel=1e-10)


def test_logistic_finite_and_correct_at_extreme_scores():
    scores = np.array([1e4, 1e4, -1e4, -1e4])
    y = np.array([1, 0, 1, 0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, dscores = losses.logistic_loss(scores, y)
    assert loss == pytest.approx((0.0 + 1e4 + 1e4 + 0.0) / 4, rel=1e-12)
    assert np.array_equal(dscores, np.array([0.0, 1.0, -1.0, 0.0]) / 4)


def test_logistic_at_zero_is_log_two():
    loss, dscores = losses.logistic_loss(np.zeros(2), np.array([0, 1]))
    assert loss == pytest.approx(math.log(2), rel=1e-15)
    assert np.allclose(dscores, np.array([0.5, -0.5]) / 2)


def test_svm_term_exactly_at_zero_has_zero_gradient():
    # Term for class 1: 1 - 2 + 1 = 0 exactly; class 2 is active: 2.5 - 2 + 1 = 1.5.
    scores = np.array([[2.0, 1.0, 2.5]])
    loss, dscores = losses.svm_loss(scores, np.array([0]))
    assert loss == 1.5
    assert np.array_equal(dscores, np.array([[-1.0, 0.0, 1.0]]))
    loss, dscores = losses.svm_loss(np.array([[2.0, 1.0]]), np.array([0]))
    assert loss == 0.0 and np.array_equal(dscores, np.zeros((1, 2)))


def test_mse_known_values():
    loss, dpred = losses.mse_loss(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.0, 2.0], [1.0, 1.0]]))
    assert loss == (1 + 0 + 4 + 9) / 4
    assert np.array_equal(dpred, np.array([[1.0, 0.0], [2.0, 3.0]]) / 2)
