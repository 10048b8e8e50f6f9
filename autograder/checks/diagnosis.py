"""Diagnoses: the vocabulary of causes, and the fingerprints that name the cause of a wrong answer.

Most backprop bugs leave a fingerprint in the numbers: a gradient not divided by N is the
reference times N, a sign error the reference times -1, a missing regularization gradient the
reference minus reg * dR/dW. When a value or gradient check fails, the check hands diagnose()
the student's answer, the reference, and the answers of known wrong formulas (Suspects) that
the grader computed itself with the reference solution. diagnose() names a cause only when
exactly one kind of cause fits the numbers to six digits; otherwise it says "unknown" and
shows the numbers. Everything here runs on the trusted side, on plain arrays.
"""
import inspect
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

# The harness's vocabulary: the diagnosis codes of any assignment, and what they mean. An
# assignment adds its own (its diagnoses.py, DIAGNOSES; register() when its checks load).
# results.json carries the code in a test's extra_data["diagnosis"] (and in each case's); README.md
# lists them all.
DIAGNOSES = {
    # The call did not answer.
    "not_implemented": "the function still raises NotImplementedError (the stub is untouched)",
    "exception": "the function raised an exception",
    "timeout": "a call ran past its time limit and was stopped (an endless loop?)",
    "memory_limit": "the function ran out of memory (MemoryError under the memory limit)",
    "crashed": "the student's process died during the call (os._exit, a segfault, a signal)",
    "output_flood": "the function printed so much that its process was stopped",
    "unsupported_output": "the function returned something that is not plain data (numbers, arrays, lists, dicts)",
    "missing_module": "the module is missing from the submission",
    "import_error": "the module does not import",
    # The answer has the wrong form.
    "wrong_type": "a result of the wrong type (e.g. not a tuple of two items, or not an array)",
    "wrong_shape": "an array of the wrong shape",
    "wrong_dtype": "an array of the wrong dtype (e.g. integers where float64 is expected)",
    "non_finite": "NaN or infinity where a finite number is expected",
    "overflow_on_large_inputs": "inputs of large magnitude (about 1e4) give NaN or infinity: the formula overflows",
    # The answer has the right form and a recognisable wrong value.
    "scaled_by_N": "exactly N (the batch size) times the expected value: a missing division by N",
    "scaled_by_1_over_N": "exactly the expected value divided by N: a mean where a sum belongs, or 1/N twice",
    "sign_flipped": "exactly minus the expected value (or a step in the wrong direction)",
    "scaled_by_constant": "exactly a constant times the expected value (e.g. a missing 2 of d(w^2)/dw or 1/2 of "
                          "a loss)",
    "transposed": "the transpose of the expected array",
    "wrong_at_kink": "right everywhere except at inputs exactly at a kink (0 for ReLU, for abs(w), for the hinge), "
                     "where the contract fixes the (sub)gradient",
    "ignores_argument": "the result equals the one for the argument's default value: an argument (alpha, margin, "
                        "beta, method, seed, learning rate) is ignored",
    "mutates_input": "the function modifies one of its input arrays",
    "not_deterministic": "the same inputs give different results (global random state?)",
    "state_leaks_between_calls": "a call depends on an earlier call (state kept in a global, a default argument, "
                                 "a shared dict, or gradients not reset)",
    # The grader's own side.
    "grader_error": "the grader itself failed on this test (please tell the course staff)",
    "unknown": "no known mistake fits the numbers (the message shows them)",
}
_REGISTERED = {}  # the assignment's own codes (register)


def register(codes):
    """Add an assignment's diagnosis codes (dict code -> meaning); a code the harness defines, or
    one registered with another meaning, is refused (ValueError)."""
    for code, meaning in codes.items():
        if code in DIAGNOSES or _REGISTERED.get(code, meaning) != meaning:
            raise ValueError(f"diagnosis code {code!r} is defined twice")
        _REGISTERED[code] = meaning


def vocabulary():
    """Every code known in this process, the harness's and the assignment's: dict code -> meaning."""
    return {**DIAGNOSES, **_REGISTERED}
MATCH_TOL = 1e-6  # a fingerprint must hold to six digits everywhere: no coincidence fits that well


@dataclass(frozen=True)
class Suspect:
    """A known mistake and the answer it would give, computed by the grader.

    - code: a key of DIAGNOSES.
    - hint: str for the student; may use {what} (the value's name) and {c} (a fitted factor).
    - value: float or array, the answer this mistake gives; None for a region suspect.
    - direction: array or None: the mistake gives value + c * direction for some unknown
      factor c (neither 0 nor 1), fitted from the answer.
    - region: bool array or None: the mistake changes only these entries.
    """
    code: str
    hint: str
    value: object = None
    direction: object = None
    region: object = None


def _close(got, value):
    """Whether got equals value to MATCH_TOL relative error, entry by entry."""
    got, value = np.asarray(got, dtype=float), np.asarray(value, dtype=float)
    if got.shape != value.shape:
        return False
    with np.errstate(all="ignore"):
        return bool(np.all(np.abs(got - value) <= MATCH_TOL * np.maximum(1e-8, np.abs(got) + np.abs(value))))


def _fits(suspect, shape):
    """Whether a suspect can be compared with an answer of this shape (its value and direction
    of that shape, its region broadcastable to it)."""
    if suspect.region is not None:
        try:
            np.broadcast_to(np.asarray(suspect.region, dtype=bool), shape)
        except ValueError:
            return False
        return True
    return suspect.value is not None and np.shape(suspect.value) == shape and (
        suspect.direction is None or np.shape(suspect.direction) == shape)


def _fit(got, base, direction):
    """The factor c with got = base + c * direction, if that fits; else None."""
    d = np.asarray(direction, dtype=float).ravel()
    r = (np.asarray(got, dtype=float) - np.asarray(base, dtype=float)).ravel()
    if np.count_nonzero(d) < 2:
        return None  # one number fits any factor: no evidence
    c = float(d @ r / (d @ d))
    if abs(c) < 1e-3 or abs(c - 1) < 1e-3 or not _close(got, np.asarray(base) + c * np.asarray(direction)):
        return None
    return c


def generic_suspects(expected, n=None):
    """The mistakes that need no knowledge of the function: sign, N, 1/N, transpose, and for an
    array a constant factor (fitted). A single number fits any factor, so none is fitted to it:
    a check that knows a plausible factor passes it (see factor_two)."""
    expected = np.asarray(expected, dtype=float)
    suspects = [Suspect("sign_flipped", "{what} equals minus the expected value: check the sign "
                        "(the gradient of the loss, not of its negative; a step downhill, not uphill)", -expected)]
    if n is not None and n > 2:
        suspects += [Suspect("scaled_by_N", f"{{what}} equals the expected value times N = {n}: did you forget to "
                             "divide by the batch size?", expected * n),
                     Suspect("scaled_by_1_over_N", f"{{what}} equals the expected value divided by N = {n}: did you "
                             "take a mean where a sum belongs, or divide by N twice?", expected / n)]
    if expected.ndim == 2 and expected.shape[0] == expected.shape[1]:
        suspects.append(Suspect("transposed", "{what} equals the transpose of the expected array: check the order "
                                "of the factors in the matrix product", expected.T))
    if expected.size > 1:
        suspects.append(Suspect("scaled_by_constant", "{what} equals the expected value times {c:.4g}: a constant "
                                "factor is off", np.zeros_like(expected), direction=expected))
    return suspects


def _numbers(got, expected, worst=None):
    """The figures shown when no cause fits, at the entry worst (default: the largest difference)."""
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    if not got.size:
        return "the answer is empty"
    with np.errstate(all="ignore"):
        diff = got - expected
        if worst is None or len(worst) != diff.ndim or any(not 0 <= i < n for i, n in zip(worst, diff.shape)):
            worst = np.unravel_index(np.argmax(np.abs(diff)), diff.shape)
        worst = tuple(int(i) for i in worst)
        ratio = got[worst] / expected[worst] if expected[worst] != 0 else float("inf")
    where = f"at entry {worst}, " if worst else ""
    text = (f"{where}got {got[worst]:.6g} where {expected[worst]:.6g} was expected "
            f"(ratio {ratio:.4g}, difference {diff[worst]:.4g})")
    if diff.size > 1:
        differ = np.count_nonzero(~np.isclose(got, expected, rtol=MATCH_TOL, atol=0))
        text += f"; {differ} of {diff.size} entries differ"
    if not np.any(got):
        text += "; your answer is all zeros"
    return text


def diagnose(got, expected, suspects=(), n=None, what="the result", worst=None):
    """Name the most likely cause of a wrong answer.

    Inputs:
    - got, expected: finite floats, or finite float arrays of one shape, known to differ.
    - suspects: iterable of Suspect, known mistakes of this function computed by the grader; one
      whose value, direction or region does not fit got's shape is left out.
    - n: int or None, the batch size, for the scaled_by_N fingerprints.
    - what: str, the answer's name for the hint.
    - worst: tuple or None, the entry the failure message cites; the numbers shown when no cause
      fits are those at this entry.

    Returns a tuple of:
    - code: str, a key of DIAGNOSES; "unknown" unless exactly one kind of mistake fits.
    - hint: str for the student.
    """
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    if got.shape != expected.shape or not (np.all(np.isfinite(got)) and np.all(np.isfinite(expected))):
        return "unknown", "no known mistake fits: the answer cannot be compared entry by entry"
    everything = [s for s in list(suspects) + generic_suspects(expected, n) if _fits(s, got.shape)]
    # Exact fingerprints first: a formula reproduced to six digits beats a fitted factor, and
    # both beat "differs only here".
    for fitted in (False, True):
        found = {}
        for s in everything:
            if s.region is not None:
                continue
            if not fitted and s.direction is None:
                if not _close(expected, s.value) and _close(got, s.value):
                    found.setdefault(s.code, s.hint.format(what=what, c=0.0))
            elif fitted and s.direction is not None:
                c = _fit(got, s.value, s.direction)
                if c is not None:
                    found.setdefault(s.code, s.hint.format(what=what, c=c))
        if len(found) == 1:
            return next(iter(found.items()))
        if len(found) > 1:
            return "unknown", (f"{what} fits several known mistakes at once, so none can be singled out: "
                               + "; ".join(f"{code}: {hint}" for code, hint in found.items())
                               + f" ({_numbers(got, expected, worst)})")
    fitting = []  # (mask, code, hint) of the regions outside which the answer is right
    for s in everything:
        if s.region is None:
            continue
        inside = np.broadcast_to(np.asarray(s.region, dtype=bool), got.shape)
        if inside.any() and _close(got[~inside], expected[~inside]) and not _close(got[inside], expected[inside]):
            fitting.append((inside, s.code, s.hint.format(what=what, c=0.0)))
    # The narrowest region says the most ("only at 0" rather than "only at x <= 0"), provided it
    # lies inside every other region that fits; otherwise the regions disagree.
    for inside, code, hint in sorted(fitting, key=lambda fit: fit[0].sum()):
        if all(np.all(other[inside]) for other, _, _ in fitting):
            return code, hint
        break
    return "unknown", f"no known mistake fits: {_numbers(got, expected, worst)}"


def describe_cause(code, hint):
    """The text appended to a failure message: the code and the hint on a line of their own."""
    if code == "unknown":
        return f"\n    Diagnosis: unknown; {hint}"
    return f"\n    Diagnosis: {code}. {hint}"


# Codes whose messages say it all already (or have nothing to add).
SELF_EXPLAINING = ("", "unknown", "not_implemented", "missing_module", "import_error", "grader_error")


def with_diagnosis(message, code):
    """A failure message that names its diagnosis: the message as it is when it already does (or
    when there is nothing to add), else with the code and its meaning appended."""
    if "\n    Diagnosis:" in message or code in SELF_EXPLAINING:
        return message
    return message + f"\n    Diagnosis: {code} ({vocabulary().get(code, 'see above')})."


# -- suspects that several checks build ---------------------------------------------------------
def ignored_arguments(function, args, kwargs, select=lambda result: result, call=None):
    """Suspects for each keyword argument being ignored: the function's result at its default.

    Inputs:
    - function: the reference function, whose signature gives the defaults.
    - args, kwargs: the call (arrays are copied here).
    - select: picks the compared value out of the result.
    - call: what to call instead of function with the same arguments (e.g. forward then backward).

    Returns: list of Suspect, one per keyword argument that has a default.
    """
    call = call or function
    suspects = []
    parameters = inspect.signature(function).parameters
    for name in kwargs:
        default = parameters[name].default if name in parameters else inspect.Parameter.empty
        if default is inspect.Parameter.empty or default == kwargs[name]:
            continue
        others = {k: v for k, v in kwargs.items() if k != name}
        value = select(call(*[a.copy() if isinstance(a, np.ndarray) else a for a in args], **others))
        suspects.append(Suspect("ignores_argument", f"{{what}} equals the result for {name}={default!r} (the default) "
                                f"although {name}={kwargs[name]!r} was passed: is {name} used (and kept in the "
                                "cache, for a backward pass)?", value))
    return suspects


def region(code, mask, where, hint=None):
    """A region suspect: the mistake changes only the entries of mask.

    Inputs:
    - code: a diagnosis code, e.g. "wrong_at_kink".
    - mask: bool array, the entries the mistake changes.
    - where: str naming those entries for the student, e.g. "where x < 0".
    - hint: str for the student (may use {what}); default the standard one of wrong_at_kink, or
      "{what} is wrong only <where>".
    """
    if hint is None:
        hint = ("{what} is right everywhere except " + where + ": check the contract's convention there (e.g. > "
                "versus >=)") if code == "wrong_at_kink" else "{what} is wrong only " + where
    return Suspect(code, hint, region=mask)


def factor_two(expected):
    """Suspects for a number off by the factor 2 that formulas with squares invite (a missing 1/2
    of a loss, a missing 2 of a derivative)."""
    return [Suspect("scaled_by_constant", "{what} is exactly twice the expected value: a factor 1/2 is missing "
                    "(or a 2 too many)", 2 * np.asarray(expected, dtype=float)),
            Suspect("scaled_by_constant", "{what} is exactly half the expected value: a factor 2 is missing",
                    np.asarray(expected, dtype=float) / 2)]


@contextmanager
def relabel(old, new, hint):
    """Inside the block, a failure diagnosed `old` is re-diagnosed `new`, with the hint appended.

    Used where the situation says more than the failure alone: NaN for inputs of 1e4 is an
    overflow; a changed x after numerical_gradient is a perturbation not undone.
    """
    try:
        yield
    except Exception as failure:
        if getattr(failure, "diagnosis", None) == old:
            failure.diagnosis = new
            failure.message += describe_cause(new, hint)
            failure.args = (failure.message,)
        raise
