"""Hidden tests of gradlab/losses.py."""
import numpy as np

from autograder.checks.common import VALUE_TOL, check_loss_gradient, check_value_call, rng_for
from autograder.checks.diagnosis import Suspect, factor_two, ignored_arguments, region, relabel
from autograder.checks.framework import check

from ..diagnoses import OVERFLOW_HINT


def _classification(name, seed, n=6, c=4, scale=2.0):
    rng = rng_for(name, seed)
    return scale * rng.standard_normal((n, c)), rng.integers(c, size=n)


def _svm_case(seed, margin):
    """Scores whose margins stay at least 0.05 away from the hinge's kink."""
    scores, y = _classification("svm", seed)
    rows = np.arange(len(y))
    m = scores - scores[rows, y][:, None] + margin
    near = (np.abs(m) < 0.05) & (np.arange(scores.shape[1]) != y[:, None])
    scores[near] += 0.1
    return scores, y


def _binary(seed, n=8, scale=3.0):
    rng = rng_for("logistic", seed)
    return scale * rng.standard_normal(n), rng.integers(2, size=n)


def _regression(seed, shape):
    rng = rng_for("mse", seed, shape)
    return rng.standard_normal(shape), rng.standard_normal(shape)


def _loss_suspects(reference, args, kwargs, expected):
    """Known mistakes of a loss value: an ignored keyword argument; for the hinge, the correct
    class counted in the sum (each example then adds exactly the margin)."""
    suspects = ignored_arguments(reference, args, kwargs, select=lambda result: result[0]) + factor_two(expected)
    if reference.__name__ == "svm_loss":
        margin = kwargs.get("margin", 1.0)
        suspects.append(Suspect("loss_offset", f"{{what}} is larger than expected by exactly the margin {margin:g}: "
                                "is the correct class j = y_i counted in the sum? (its term is always the margin)",
                                expected + margin))
    return suspects


def _loss_values(t, name, cases):
    reference = getattr(t.ref.losses, name)
    for label, args, kwargs in cases:
        with t.case(label):
            expected = reference(*[a.copy() for a in args], **kwargs)[0]
            check_value_call(t, f"losses.{name}", args, (expected, None), kwargs=kwargs, count=2,
                             names=("loss",), repeat=label.endswith("0"),
                             suspects=lambda _, args=args, kwargs=kwargs, expected=expected:
                             _loss_suspects(reference, args, kwargs, expected), n=args[0].shape[0])


def _loss_gradients(t, name, cases):
    reference = getattr(t.ref.losses, name)
    for label, args, kwargs in cases:
        with t.case(label):
            check_loss_gradient(t, f"losses.{name}", args, reference, kwargs)


def _softmax_cases():
    return [(f"random case {s}", _classification("softmax", s), {}) for s in range(3)]


def _svm_cases():
    return ([(f"random case {s}", _svm_case(s, 1.0), {}) for s in range(2)]
            + [("margin=0.5", _svm_case(5, 0.5), {"margin": 0.5})])


def _mse_cases():
    return [("pred of shape (N,)", _regression(0, (7,)), {}), ("pred of shape (N, D)", _regression(1, (5, 3)), {})]


def _logistic_cases():
    return [(f"random case {s}", _binary(s), {}) for s in range(3)]


@check("softmax_loss.values")
def softmax_values(t):
    _loss_values(t, "softmax_loss", _softmax_cases())


@check("softmax_loss.gradient", seconds=0.06)
def softmax_gradient(t):
    _loss_gradients(t, "softmax_loss", _softmax_cases())


@check("softmax_loss.stability")
def softmax_stability(t):
    scores, y = _classification("softmax-large", 0)
    scores = np.sign(scores) * 1e4 + scores  # logits of magnitude ~1e4
    expected = t.ref.losses.softmax_loss(scores.copy(), y)
    with t.case("logits of magnitude 1e4"), relabel("non_finite", "overflow_on_large_inputs", OVERFLOW_HINT):
        check_value_call(t, "losses.softmax_loss", (scores, y), expected, tol=VALUE_TOL, count=2,
                         names=("loss", "gradient"), n=len(y))
    # Each row needs its own shift: one shift for the whole batch underflows the rows far below it.
    mixed = scores - np.where(np.arange(len(y)) % 2 == 0, 0.0, 2e4)[:, None]
    with t.case("rows near +1e4 beside rows near -1e4"), relabel("non_finite", "overflow_on_large_inputs",
                                                                   OVERFLOW_HINT):
        check_value_call(t, "losses.softmax_loss", (mixed, y), t.ref.losses.softmax_loss(mixed.copy(), y),
                         tol=VALUE_TOL, count=2, names=("loss", "gradient"), n=len(y))


@check("svm_loss.values")
def svm_values(t):
    _loss_values(t, "svm_loss", _svm_cases())


@check("svm_loss.gradient")
def svm_gradient(t):
    _loss_gradients(t, "svm_loss", _svm_cases())
    # Integer scores put some hinge terms exactly at 0: they must contribute gradient 0.
    scores = np.array([[1.0, 2.0, 0.0], [3.0, 2.0, 2.0], [0.0, 0.0, 1.0]])
    y = np.array([1, 0, 2])
    kinks = (scores - scores[np.arange(3), y][:, None] + 1.0 == 0) & (np.arange(3) != y[:, None])
    rows = np.broadcast_to(kinks.any(axis=1, keepdims=True), scores.shape)  # a kink term moves its whole row
    with t.case("terms exactly at the kink contribute 0"):
        check_value_call(t, "losses.svm_loss", (scores, y), t.ref.losses.svm_loss(scores.copy(), y), count=2,
                         names=("loss", "gradient"),
                         suspects=lambda _: [region("wrong_at_kink", rows, "in the rows holding a hinge term "
                                                    "exactly at 0 (such a term contributes gradient 0)")])


@check("mse_loss.values")
def mse_values(t):
    _loss_values(t, "mse_loss", _mse_cases())


@check("mse_loss.gradient")
def mse_gradient(t):
    _loss_gradients(t, "mse_loss", _mse_cases())


@check("logistic_loss.values")
def logistic_values(t):
    _loss_values(t, "logistic_loss", _logistic_cases())


@check("logistic_loss.gradient")
def logistic_gradient(t):
    _loss_gradients(t, "logistic_loss", _logistic_cases())


@check("logistic_loss.stability")
def logistic_stability(t):
    scores = np.array([1e4, -1e4, 1e4, -1e4, 30.0, -30.0])
    y = np.array([1, 1, 0, 0, 1, 0])
    with t.case("scores of magnitude 1e4"), relabel("non_finite", "overflow_on_large_inputs", OVERFLOW_HINT):
        check_value_call(t, "losses.logistic_loss", (scores, y), t.ref.losses.logistic_loss(scores.copy(), y),
                         count=2, names=("loss", "gradient"), n=len(y))
