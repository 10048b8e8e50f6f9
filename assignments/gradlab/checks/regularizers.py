"""Hidden tests of gradlab/regularizers.py: value and gradient of each penalty."""
import numpy as np

from autograder.checks.common import GRAD_TOL, check_value_call, record_gradient, rng_for
from autograder.checks.diagnosis import factor_two, ignored_arguments, region
from autograder.checks.framework import CheckFailed, check, expect_array, expect_float, rel_error, unpack


def _suspects(reference, W, kwargs, what):
    """Known mistakes of R (what="R") or of dW: an ignored argument; for R, a factor 2."""
    found = ignored_arguments(reference, (W,), kwargs, select=lambda result: result[("R", "dW").index(what)])
    return found + (factor_two(reference(W.copy(), **kwargs)[0]) if what == "R" else [])


def _blame(failure, reference, W, kwargs, R, dW):
    """dW disagrees with the centered differences of the student's own R: say which one is wrong.

    Returns a CheckFailed: when dW matches the expected dR/dW, R is wrong (diagnosed against the
    expected R); otherwise dW is (diagnosed against the expected dW).
    """
    expected_R, expected_dW = reference(W.copy(), **kwargs)
    first = failure.message.split("\n")[0]
    if isinstance(dW, np.ndarray) and dW.shape == expected_dW.shape and np.all(np.isfinite(dW)) \
            and np.max(rel_error(dW, expected_dW)) <= GRAD_TOL:
        try:
            expect_float(R, expected_R, GRAD_TOL, "R", lambda: _suspects(reference, W, kwargs, "R"))
        except CheckFailed as wrong:
            code, hint = wrong.diagnosis, wrong.message.split("\n    Diagnosis: ", 1)[-1]
        else:
            code, hint = "unknown", "R matches the expected value here"
        return CheckFailed(f"{first}\n    Diagnosis: {code}; dW is the expected dR/dW, so R is wrong, not dW: "
                           f"{hint}", code)
    try:
        expect_array(dW, expected_dW, GRAD_TOL, "dW", lambda: _suspects(reference, W, kwargs, "dW"))
    except CheckFailed as wrong:
        return CheckFailed(f"{first}\n    Diagnosis: {wrong.diagnosis}; dW is wrong (it differs from the expected "
                           f"dR/dW): {wrong.message.split(chr(10))[0]}", wrong.diagnosis)
    return failure


def _regularizer_check(t, name, kwargs_cases):
    reference = getattr(t.ref.regularizers, name)
    for label, kwargs in kwargs_cases:
        W = rng_for(name, label).standard_normal((4, 3))
        with t.case(f"value and gradient, {label}"):
            check_value_call(t, f"regularizers.{name}", (W,), reference(W.copy(), **kwargs), kwargs=kwargs,
                             count=2, names=("R", "dW"), repeat=True,
                             suspects=lambda what, W=W, kwargs=kwargs: _suspects(reference, W, kwargs, what))
        with t.case(f"gradient against centered differences, {label}"):
            numeric = t.numerical_gradients({"target": f"regularizers.{name}", "args": [W], "kwargs": kwargs},
                                            {"dW": (0, W)}, select=(0,))["dW"]
            result, _ = t.call(f"regularizers.{name}", W, **kwargs)
            R, dW = unpack(result, 2, name)
            record_gradient(t, name, f"dW, {label}", dW, reference(W.copy(), **kwargs)[1])  # the case above judges it
            try:
                expect_array(dW, numeric, 1e-5, "dW against centered differences of your R")
            except CheckFailed as failure:
                if failure.diagnosis in ("wrong_type", "wrong_shape", "wrong_dtype", "non_finite"):
                    raise
                raise _blame(failure, reference, W, kwargs, R, dW) from None
    # Zeros: the subgradient of |w| at 0 is 0 by the contract.
    W = np.array([[0.0, 1.5], [-2.0, 0.0]])
    with t.case("entries exactly 0"):
        check_value_call(t, f"regularizers.{name}", (W,), reference(W.copy()), tol=GRAD_TOL, count=2,
                         names=("R", "dW"), suspects=lambda what: _suspects(reference, W, {}, what) + [
                             region("wrong_at_kink", W == 0, "at the entries exactly 0, where the subgradient of "
                                    "|w| is 0")])


@check("l2.values_and_gradient")
def l2_check(t):
    _regularizer_check(t, "l2", [("random W", {})])


@check("l1.values_and_gradient")
def l1_check(t):
    _regularizer_check(t, "l1", [("random W", {})])


@check("elastic_net.values_and_gradient")
def elastic_net_check(t):
    _regularizer_check(t, "elastic_net", [("beta=0.5", {}), ("beta=0.2", {"beta": 0.2})])
