"""Hidden tests of gradlab/gradcheck.py, on functions the grader chooses (sandbox fixtures)."""
import numpy as np

from autograder.checks.common import away_from, check_value_call, rng_for
from autograder.checks.diagnosis import Suspect, describe_cause, ignored_arguments
from autograder.checks.framework import (CheckFailed, call_request, check, expect_array, expect_unchanged,
                                        wrong_container)
from .. import child_ops as fixtures


def _smooth_case(seed, shape=(3, 4)):
    rng = rng_for("smooth", seed)
    return rng.uniform(0.5, 2.0, size=shape), rng.standard_normal(shape)


def _smooth_gradient(a, x):
    """The exact gradient of fixtures.smooth(a) at x, by hand."""
    return a * np.cos(a * x) + a.sum() * x


def _expect_restored(x, after, others=()):
    """x, the perturbed argument (the second), must hold its values on return (input_not_restored);
    the arrays in others, the arguments after it, must be unchanged (mutates_input)."""
    expect_unchanged([None, x], after[:2], "x (it must hold its original values on return)", "input_not_restored")
    expect_unchanged([None, None, *others], after, "the arrays other than x")


def _numerical(t, a, x, **kwargs):
    result, after = t.call("gradcheck.numerical_gradient", {"__callable__": "smooth", "args": [a]}, x, **kwargs)
    _expect_restored(x, after)
    return result


def _error_at(t, a, x, h, method):
    grad = _numerical(t, a, x, h=h, method=method)
    expect_array(grad, _smooth_gradient(a, x), 1.0, f"gradient with h={h:g}")  # shape, dtype, finite only
    return float(np.max(np.abs(grad - _smooth_gradient(a, x))))


# Error ratio between h = 1e-2 and h = 1e-3: about 100 for a second-order (centered) formula,
# about 10 for a first-order (forward) one.
ORDER_RATIOS = {"centered": (100, 50, 200), "forward": (10, 5, 20)}  # (expected, accepted low, high)
WRONG_ORDER = {  # method asked -> (diagnosis, hint) when the ratio is the other method's
    "centered": ("first_order_difference", "a ratio near 10 is what forward differences give: "
                 "use (f(x + h) - f(x - h)) / (2h)"),
    "forward": ("ignores_argument", "a ratio near 100 is what centered differences give: is the method "
                "argument used?"),
}


def _expect_order(t, a, x, method):
    """The error of the student's numerical_gradient must shrink with h as its method's order says.

    Returns the measured error ratio; raises CheckFailed naming the other method's order if it shows.
    """
    coarse, fine = (_error_at(t, a, x, h, method) for h in (1e-2, 1e-3))
    ratio = coarse / max(fine, 1e-300)
    expected, low, high = ORDER_RATIOS[method]
    if not low < ratio < high:
        _, other_low, other_high = next(r for m, r in ORDER_RATIOS.items() if m != method)
        diagnosis, hint = WRONG_ORDER[method]
        other = other_low < ratio < other_high
        raise CheckFailed(f"error with h=1e-2: {coarse:.2e}, with h=1e-3: {fine:.2e}; ratio {ratio:.1f}, "
                          f"expected about {expected} for {method} "
                          "differences" + (describe_cause(diagnosis, hint) if other else ""),
                          diagnosis if other else "unknown")
    return ratio


@check("numerical_gradient.centered")
def numerical_gradient_centered(t):
    for seed in range(2):
        a, x = _smooth_case(seed)
        with t.case(f"random case {seed}: matches the exact gradient, x restored"):
            expect_array(_numerical(t, a, x), _smooth_gradient(a, x), 1e-7, "gradient", lambda a=a, x=x: [Suspect(
                "first_order_difference", "{what} equals forward differences (f(x + h) - f(x)) / h: centered "
                "differences (f(x + h) - f(x - h)) / (2h) are asked for",
                t.ref.gradcheck.numerical_gradient(fixtures.smooth(a), x.copy(), method="forward"))])
    a, x = _smooth_case(5)
    with t.case("second-order accuracy: error falls ~100x when h falls 10x"):
        t.figures["centered_error_ratio"] = _expect_order(t, a, x, "centered")


@check("numerical_gradient.forward")
def numerical_gradient_forward(t):
    a, x = _smooth_case(7)
    with t.case("matches the reference forward differences, x restored"):
        expected = t.ref.gradcheck.numerical_gradient(fixtures.smooth(a), x.copy(), method="forward")
        expect_array(_numerical(t, a, x, method="forward"), expected, 1e-6, "gradient", lambda: ignored_arguments(
            t.ref.gradcheck.numerical_gradient, (fixtures.smooth(a), x), {"method": "forward"}))
    with t.case("first-order accuracy: error falls ~10x when h falls 10x"):
        _expect_order(t, a, x, "forward")


@check("numerical_gradient_array.values")
def numerical_gradient_array_values(t):
    for seed in range(2):
        a, x = _smooth_case(seed + 20, (2, 3))
        dout = rng_for("dout", seed).standard_normal(x.shape)
        with t.case(f"random case {seed}"):
            expected = t.ref.gradcheck.numerical_gradient_array(fixtures.smooth_array(a), x.copy(), dout)
            result, after = t.call("gradcheck.numerical_gradient_array",
                                   {"__callable__": "smooth_array", "args": [a]}, x, dout)
            expect_array(result, expected, 1e-6, "gradient")
            _expect_restored(x, after, [dout])


@check("rel_error.values")
def rel_error_values(t):
    rng = rng_for("rel_error", 0)
    pairs = [("random arrays", rng.standard_normal((3, 4)), rng.standard_normal((3, 4))),
             ("nearly equal arrays", np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0 + 1e-9, 3.0])),
             ("zeros (the 1e-8 floor)", np.zeros(3), np.array([0.0, 1e-12, 0.0]))]
    for label, a, b in pairs:
        with t.case(label):
            check_value_call(t, "gradcheck.rel_error", (a, b), (t.ref.gradcheck.rel_error(a, b),), tol=1e-10)


@check("grad_check_sparse.values", seconds=0.07)
def grad_check_sparse_values(t):
    a, x = _smooth_case(30)
    f = {"__callable__": "smooth", "args": [a]}
    exact = _smooth_gradient(a, x)

    def runs(items, function=f, point=x):
        """grad_check_sparse(function, point, analytic, **kwargs) for each (analytic, kwargs) of items,
        in one request; yields the errors of each, checked, in order."""
        calls = t.run_each([call_request("gradcheck.grad_check_sparse", function, point, analytic, **kwargs)
                            for analytic, kwargs in items], until_failure=True)
        for got, (analytic, kwargs) in zip(calls, items):
            errors, after = got()
            _expect_restored(point, after, [analytic])
            count = kwargs.get("num_checks", 10)
            if not isinstance(errors, np.ndarray):
                raise wrong_container(errors, f"an array of shape ({count},)")
            if errors.shape != (count,):
                raise CheckFailed(f"expected an array of shape ({count},), got shape {errors.shape}", "wrong_shape")
            if np.isnan(errors).any():
                raise CheckFailed("the relative errors contain NaN", "non_finite")
            yield errors

    def run(analytic, function=f, point=x, **kwargs):
        return next(runs([(analytic, kwargs)], function, point))

    with t.case("a correct gradient gives small errors"):
        errors = run(exact, num_checks=7, seed=3)
        if errors.max() > 1e-6:
            raise CheckFailed(f"largest relative error {errors.max():.2e} for the exact gradient, expected < 1e-6")
    with t.case("a wrong gradient gives large errors"):
        errors = run(exact + 1.0, num_checks=7, seed=3)
        if errors.min() < 1e-3:
            raise CheckFailed(f"smallest relative error {errors.min():.2e} for a gradient off by 1, expected > 1e-3")
    with t.case("each error is |numerical - analytic| / max(1e-8, |numerical| + |analytic|)"):
        # An analytic gradient 1.5 times the true one has relative error 0.5 / 2.5 = 0.2 at every
        # entry, whichever are drawn; entries below 0.4 in magnitude show a wrong floor or sum.
        small_a = np.full((3, 4), 0.05)
        small_x = away_from(0.4 * rng_for("sparse", "formula").standard_normal((3, 4)), (0.0,), 0.05)
        errors = run(1.5 * _smooth_gradient(small_a, small_x), {"__callable__": "smooth", "args": [small_a]},
                     small_x, num_checks=8, seed=2)
        if np.max(np.abs(errors - 0.2)) > 1e-5:
            raise CheckFailed(f"for an analytic gradient 1.5 times the true one every relative error is 0.2; got "
                              f"{np.array2string(errors, precision=4)}")
    with t.case("a zero gradient of a constant function gives 0, not NaN"):
        errors = run(np.zeros_like(x), {"__callable__": "smooth", "args": [np.zeros_like(a)]}, num_checks=5)
        if not np.all(errors == 0):
            raise CheckFailed(f"expected five zeros, got {np.array2string(errors, precision=4)}")
    with t.case("entries are drawn from all of x: an error planted at one entry is found"):
        # Ten seeds of ten draws each: a sampler drawing uniformly (with or without replacement)
        # misses a given one of the 12 entries with probability below 2e-4.
        wheres, planted = ((0, 0), (2, 3), (1, 2)), {}
        for where in wheres:
            planted[where] = exact.copy()
            planted[where][where] += 1.0
        results = runs([(planted[where], {"num_checks": 10, "seed": seed}) for where in wheres for seed in range(10)])
        for where in wheres:
            numeric = exact[where]
            at_planted = abs(numeric - planted[where][where]) / (abs(numeric) + abs(planted[where][where]))
            found, seen = 0, []
            for seed in range(10):
                errors = next(results)
                seen.append(errors)
                hits = np.abs(errors - at_planted) <= 1e-5
                if np.any(~hits & (errors > 1e-6)):
                    raise CheckFailed(f"with a gradient wrong at entry {where} only, seed {seed} gave errors "
                                      f"{np.array2string(errors, precision=4)}: each should be about 0 or "
                                      f"{at_planted:.4f} (the error at {where})")
                found += int(hits.sum())
            if not found and all(np.array_equal(seen[0], other) for other in seen[1:]):
                raise CheckFailed(f"a gradient wrong at entry {where} only: ten seeds gave the same errors and never "
                                  "checked that entry: is the seed passed to np.random.default_rng?",
                                  "ignores_argument")
            if not found:
                raise CheckFailed(f"a gradient wrong at entry {where} only: 100 draws over ten seeds never checked "
                                  "that entry; every entry of x must be drawable (an index for every axis, each "
                                  "from 0 to its length - 1)")
    with t.case("the seed decides the coordinates"):
        # A gradient wrong in one row only: different seeds see it differently, one seed always the same.
        wrong = exact.copy()
        wrong[0] += 1.0
        results = runs([(wrong, {"num_checks": 6, "seed": s}) for s in (1, 1, 2, 3, 4)])
        first, again = next(results), next(results)
        if not np.array_equal(first, again):
            raise CheckFailed("two calls with the same seed gave different errors", "not_deterministic")
        others = list(results)
        if all(np.array_equal(first, o) for o in others):
            raise CheckFailed("four different seeds gave the same errors: is the seed passed to "
                              "np.random.default_rng?", "ignores_argument")
