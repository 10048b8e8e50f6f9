"""How a hidden test is written: cases, calls into the sandbox, and comparisons.

A check is a function of a Tester, registered with @check("id", points=..., visibility=...,
functions=[...], name=...) (the assignment's rubric.toml may override any of these). It runs
its cases inside `with t.case("name"):`; a case passes when its block finishes, and fails with
a message when a student call fails (CallFailed) or a comparison does (CheckFailed). The test's
score is its points times the fraction of cases that passed. A test that makes many requests
sends them as one (Requests to Tester.run_each) and judges each answer in its case.
"""
import collections
import reprlib
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from .diagnosis import describe_cause, diagnose, with_diagnosis

_DECLARED = {}  # assignment package name -> {test id: Declared}, in registration order


# A named tuple (cheap to define at every start): a check as its decorator declares it, the
# function and its rubric entry; any field but the function may be None (the assignment's
# rubric.toml overrides or completes them, see rubric.py).
Declared = collections.namedtuple("Declared", ("function", "points", "visibility", "functions", "name", "seconds"),
                                  defaults=(None, None, None, None, None))


def check(test_id, points=None, visibility=None, functions=None, name=None, seconds=None):
    """Register a check function under its test id, with its rubric entry beside it.

    Inputs: test_id (str, unique in the assignment); points (number), visibility ("visible",
    "hidden", "after_due_date" or "after_published"), functions (list of the student functions
    it exercises, the graded one first), name (the test's title) and seconds (its rough running
    time on a correct submission, for a test much slower than most: it only spreads the tests over
    parallel lanes, see autograder/lanes.py); each may be left out when the assignment's
    rubric.toml gives it.
    """
    def register(function):
        table = _DECLARED.setdefault(function.__module__.partition(".")[0], {})
        if test_id in table:
            raise ValueError(f"two checks are registered as {test_id}")
        table[test_id] = Declared(function, points, visibility,
                                  None if functions is None else tuple(functions), name, seconds)
        return function
    return register


def declared(package):
    """dict test id -> Declared of the checks registered by the modules of package (a top-level
    module name, the assignment's)."""
    return dict(_DECLARED.get(package, {}))


class Failure(Exception):
    """A failed case: a message for the student, a diagnosis code, measured figures."""

    def __init__(self, message, diagnosis="unknown", figures=None):
        super().__init__(message)
        self.message, self.diagnosis, self.figures = message, diagnosis, figures or {}


class CallFailed(Failure):
    """The student's code did not answer: it raised, hung, crashed, or is missing."""


class CheckFailed(Failure):
    """The student's code answered, wrongly."""


@dataclass
class Case:
    """One case of a test: its name, whether it passed, and why not."""
    name: str
    passed: bool
    message: str = ""
    diagnosis: str = ""
    figures: dict = field(default_factory=dict)


# Sandbox statuses and exception types that name the diagnosis of a call that did not answer.
CALL_DIAGNOSES = {"timeout": "timeout", "crashed": "crashed", "flooded": "output_flood",
                  "bad_answer": "unsupported_output"}
ERROR_DIAGNOSES = {"NotImplementedError": "not_implemented", "MemoryError": "memory_limit",
                   "HungEarlier": "timeout"}


def not_implemented_message(name, message):
    """The sentence for a NotImplementedError raised in name: the stub's own words ("exp is not
    implemented yet. Hint: ...") said once, else the function's name and what it raised."""
    if "is not implemented yet" in message:
        return message
    return f"{name} is not implemented yet" + (f" (NotImplementedError: {message})" if message else "")


class Answer(dict):
    """A child's answer: a part it left out fails the case as an answer the grader cannot use."""

    def __init__(self, name, value):
        super().__init__(value)
        self.name = name

    def __missing__(self, key):
        raise CallFailed(f"{self.name}: sent back an answer without its '{key}'", "unsupported_output")


class Tester:
    """What a check works with.

    - sandbox: the Sandbox running the submission.
    - ref: the assignment's reference package (<package>_reference).
    - module_problems: dict module -> problems.ModuleProblem, for modules that are missing or do not import.
    """

    def __init__(self, sandbox, ref, module_problems):
        self.sandbox, self.ref, self.module_problems = sandbox, ref, module_problems
        self.cases = []
        self.case_name = None  # the name of the case running now
        self.figures = {}  # test-level measurements for extra_data
        self.records = []  # what reports draw (autograder/report/records.py), in extra_data.records

    def record(self, record):
        """Keep a record (autograder/report/records.py) for the reports; returns it."""
        self.records.append(record)
        return record

    @contextmanager
    def case(self, name):
        """Run one case; its failure is recorded, never raised."""
        self.case_name = name
        try:
            yield
        except Failure as failure:
            self.cases.append(Case(name, False, with_diagnosis(failure.message, failure.diagnosis), failure.diagnosis,
                                   failure.figures))
        else:
            self.cases.append(Case(name, True))

    # -- calling student code ---------------------------------------------------------------
    def request(self, message, target, timeout=None):
        """Send a request about target ("module.function"); its answer, or CallFailed."""
        return self.run(Request(message, target), timeout)

    def run(self, request, timeout=None):
        """Send a Request; what its finish makes of the answer, or CallFailed."""
        failure = self._problem(request.target)
        if failure is not None:
            raise failure
        return _finished(request, self.sandbox.request(request.message, timeout))

    def run_each(self, requests, timeout=None, until_failure=False):
        """Send Requests about the functions of one module as one, for the many requests of one
        test: without a round trip and the student process's clean-up between them
        (Sandbox.request_each).

        Inputs: requests, a list of Request; timeout: seconds for each, as for run;
        until_failure: for the requests of one case, which fails at the first failure: the ones
        after it are not sent (their outcomes raise that failure too), and the answers are read
        only as the case asks for them (a wrong answer ends the case and the child's work there).

        Returns: per request, in order, a function of no arguments that returns what run would,
        or raises what it would (CallFailed, or what finish raises): call it inside the case it
        belongs to.
        """
        modules = {r.target.split(".")[0] for r in requests}
        if len(modules) > 1:
            raise ValueError(f"one run_each is about one module's functions, not {sorted(modules)}")
        failure = self._problem(requests[0].target) if requests else None
        if failure is not None:
            return [_raises(failure)] * len(requests)
        replies = self.sandbox.request_each([r.message for r in requests], timeout, until_failure)
        if not until_failure:  # every request would be sent anyway, one per case: all at once
            return [lambda r=r, reply=reply: _finished(r, reply) for r, reply in zip(requests, list(replies))]
        # One case's: read as the case asks, so that a case failing on a wrong answer stops the
        # child there (request_each) and costs no call it would not have made.
        taken = []

        def reply_at(index):
            while len(taken) <= index:
                reply = next(replies, None)
                if reply is None:  # the requests after a failure are not sent: that failure
                    break
                taken.append(reply)
            return taken[min(index, len(taken) - 1)]
        return [lambda index=index, r=r: _finished(r, reply_at(index)) for index, r in enumerate(requests)]

    def _problem(self, target):
        """The CallFailed of a request about target when its module is missing or does not import, or None."""
        problem = self.module_problems.get(target.split(".")[0])
        return None if problem is None else CallFailed(problem.sentence, problem.diagnosis)

    def call(self, target, *args, init=None, timeout=None, **kwargs):
        """Call target(*args, **kwargs) in the sandbox (a method if init is given).

        Returns a tuple of (result, args_after): the result as plain data and the array
        arguments as they were after the call.
        """
        return self.run(call_request(target, *args, init=init, **kwargs), timeout)

    def forward_backward(self, forward, backward, args, dout, **kwargs):
        """out, cache = forward(*args, **kwargs); returns (out, backward(dout, cache), args_after)."""
        return self.run(forward_backward_request(forward, backward, args, dout, **kwargs))

    def numerical_gradients(self, call, wrt, h=1e-5, select=(), dout=None):
        """Centered-difference gradients of the student's own function, computed by the grader
        (see numerical_gradients_request). Returns: dict name -> gradient array with the shape of
        its array."""
        return self.run(numerical_gradients_request(call, wrt, h, select, dout))

    def directional_derivatives(self, call, wrt, rng, h=1e-5, select=()):
        """Centered differences of the student's own scalar function along one random direction per
        array (see directional_derivatives_request). Returns: dict name -> (direction, slope)."""
        return self.run(directional_derivatives_request(call, wrt, rng, h, select))


class Request(collections.namedtuple("Request", ("message", "target", "finish"), defaults=(None,))):
    """A request not sent yet (Tester.run, Tester.run_each): message, the dict sent; target, the
    "module.function" it is about (its module must import; messages name its function); finish,
    a function of the Answer giving what the check gets (None: the Answer itself), which may
    raise CallFailed or CheckFailed."""
    __slots__ = ()


def call_request(target, *args, init=None, **kwargs):
    """The Request of target(*args, **kwargs) (a method if init is given); it gives (result,
    args_after), as Tester.call."""
    call = {"target": target, "args": list(args), "kwargs": kwargs}
    if init is not None:
        call["init"] = init
    return Request({"op": "call", "call": call}, target, _called)


def forward_backward_request(forward, backward, args, dout, **kwargs):
    """The Request of out, cache = forward(*args, **kwargs) and backward(dout, cache); it gives
    (out, the gradients, args_after)."""
    return Request({"op": "fwd_bwd", "call": {"target": forward, "args": list(args), "kwargs": kwargs},
                    "backward": backward, "dout": dout}, backward,
                   lambda answer: (answer["out"], answer["grads"], answer["args_after"]))


def numerical_gradients_request(call, wrt, h=1e-5, select=(), dout=None):
    """The Request of centered-difference gradients of the student's own function, computed by the
    grader.

    Inputs:
    - call: CALL dict (see child/worker.py).
    - wrt: dict name -> (where, array): where is an argument index or "params.NAME",
      array the value being perturbed.
    - select: path into the call's result to the value to differentiate.
    - dout: array or None; for array outputs the gradient of sum(out * dout).

    It gives: dict name -> gradient array with the shape of its array.
    """
    perturbations, spans, count = [], {}, 0
    for name, (where, array) in wrt.items():
        perturbations.append({"each_entry": where, "size": array.size, "h": h})  # +h, -h per entry
        spans[name] = (count, count + 2 * array.size, array.shape)
        count += 2 * array.size

    def gradients(values):
        return {name: ((values[a:b:2] - values[a + 1:b:2]) / (2 * h)).reshape(shape)
                for name, (a, b, shape) in spans.items()}
    return _perturb_request(call, perturbations, select, dout, gradients)


def directional_derivatives_request(call, wrt, rng, h=1e-5, select=()):
    """The Request of centered differences of the student's own scalar function along one random
    direction per array: two calls per array where numerical_gradients needs two per entry. A
    gradient that disagrees with its function shows along almost every direction.

    Inputs: call, wrt, h and select as for numerical_gradients_request; rng: np.random.Generator
    that draws the directions.

    It gives: dict name -> (direction, slope): direction an array with the shape of its array,
    slope the estimated derivative along it (compare with np.sum(gradient * direction)).
    """
    perturbations, directions = [], {}
    for name, (where, array) in wrt.items():
        directions[name] = rng.standard_normal(array.shape)
        indices = np.arange(array.size)
        perturbations += [[where, indices, h * directions[name].reshape(-1)],
                          [where, indices, -h * directions[name].reshape(-1)]]

    def slopes(values):
        return {name: (direction, (values[2 * i] - values[2 * i + 1]) / (2 * h))
                for i, (name, direction) in enumerate(directions.items())}
    return _perturb_request(call, perturbations, select, None, slopes)


def _perturb_request(call, perturbations, select, dout, finish):
    """The Request of the student's function at each perturbation; it gives finish(values), values
    a 1-D array of the scalars, or of sum(out * dout)."""
    message = {"op": "perturb", "call": call, "perturbations": perturbations, "select": list(select)}
    count = sum(2 * p["size"] if type(p) is dict else 1 for p in perturbations)

    def values_of(answer):
        values = answer["values"]
        if type(values) is not list or len(values) != count:
            raise CallFailed(f"{answer.name}: sent back {describe(values)} as its {count} perturbed values",
                             "unsupported_output")
        if dout is None:
            return finish(np.array([_perturbed_value(v, None) for v in values]))
        # The child sums what has dout's shape (worker.op_perturb); the rest is judged here.
        summed, sums = answer["summed"], answer["sums"]
        if not (_is_array(summed, "b", (count,)) and _is_array(sums, "f", (count,))):
            raise CallFailed(f"{answer.name}: sent back perturbed values the grader cannot use", "unsupported_output")
        return finish(np.array([float(total) if was_summed else _perturbed_value(value, dout)
                                for value, was_summed, total in zip(values, summed.tolist(), sums.tolist())]))
    return Request(message if dout is None else {**message, "dout": dout}, call["target"], values_of)


def _called(answer):
    """(result, args_after) of a call's Answer."""
    return answer["result"], answer["args_after"]


def _raises(failure):
    """A function of no arguments that raises failure."""
    def outcome():
        raise failure
    return outcome


def _finished(request, reply):
    """What request's finish makes of its Reply (the Answer itself without one), or CallFailed."""
    answer = _answer(request.target, reply)
    return answer if request.finish is None else request.finish(answer)


def _answer(target, reply):
    """The Answer of a Reply to a request about target ("module.function"), or its CallFailed."""
    name = target.split(".", 1)[1]
    if reply.ok:
        return Answer(name, reply.value)
    if reply.status == "error":
        error = reply.error
        diagnosis = ERROR_DIAGNOSES.get(error["type"], "exception")
        if diagnosis == "not_implemented":
            raise CallFailed(not_implemented_message(name, error["message"]), diagnosis)
        where = f" ({error['where']})" if error["where"] else ""
        raise CallFailed(f"{name} raised {error['type']}: {error['message']}{where}", diagnosis)
    raise CallFailed(f"{name}: {reply.detail}", CALL_DIAGNOSES[reply.status])


def _is_array(value, kinds, shape):
    return isinstance(value, np.ndarray) and value.dtype.kind in kinds and value.shape == shape


def _perturbed_value(value, dout):
    """One answer of the perturbed function as a number: the value itself (a number, or an
    array of one number), or sum(value * dout) for an array of dout's shape; else CheckFailed."""
    if isinstance(value, dict) and "__unsupported__" in value:
        raise CheckFailed(f"while being perturbed the function returned {describe(value)}", "unsupported_output")
    numeric = (not isinstance(value, bool) and isinstance(value, (float, int, np.ndarray))
               and np.asarray(value).dtype.kind in "fiu")
    if dout is not None:
        if not numeric or np.shape(value) != dout.shape:
            raise CheckFailed(f"while being perturbed the function returned {describe(value)}, expected an array "
                              f"of shape {dout.shape}", "wrong_shape" if numeric else "wrong_type")
        return float(np.sum(np.asarray(value, dtype=float) * dout))
    if not numeric or np.size(value) != 1:
        raise CheckFailed(f"while being perturbed the function returned {describe(value)}, expected a number",
                          "wrong_type")
    return float(np.asarray(value, dtype=float).reshape(-1)[0])


# -- comparisons ----------------------------------------------------------------------------
def rel_error(got, expected, floor=1e-8):
    """Elementwise |got - expected| / max(floor, |got| + |expected|), as in CS231n (floor 1e-8)."""
    return np.abs(got - expected) / np.maximum(floor, np.abs(got) + np.abs(expected))


def describe(value):
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, dict) and "__unsupported__" in value:
        return f"a {value['__unsupported__']}"
    if isinstance(value, dict) and "__object__" in value:
        return f"a {value['__object__']}"
    return f"a {type(value).__name__} ({_short_repr(value)})"


_REPR = reprlib.Repr()  # a few items at each of a few levels: a large answer's repr is never built whole
_REPR.maxlevel, _REPR.maxlist, _REPR.maxtuple, _REPR.maxdict = 3, 8, 8, 8
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = 60


def _short_repr(value, limit=60):
    """repr(value) cut to limit characters."""
    return _REPR.repr(value)[:limit]


def _cause(got, expected, suspects, n, what, worst=None):
    """(diagnosis code, text for the message) of a wrong value; suspects may be a function
    returning them, called only now that a value is wrong (see diagnosis.py); worst: the entry
    the message cites."""
    try:
        code, hint = diagnose(got, expected, suspects() if callable(suspects) else suspects, n, what, worst)
    except Exception as error:  # noqa: BLE001 - a failed diagnosis must not hide the failure itself
        code, hint = "unknown", f"the grader could not analyse this answer ({error!r})"
    return code, describe_cause(code, hint)


def expect_array(got, expected, tol, what, suspects=(), n=None):
    """got must be a float64 array like expected within relative error tol.

    Optional, for the diagnosis of a wrong value: suspects (list of diagnosis.Suspect, or a
    function returning one) and n (the batch size).
    Returns the largest relative error; raises CheckFailed naming the worst entry and the cause.
    """
    if not isinstance(got, np.ndarray):
        raise CheckFailed(f"{what}: expected an array of shape {expected.shape}, got {describe(got)}", "wrong_type")
    if got.shape != expected.shape:
        diagnosis = "transposed" if got.shape == expected.shape[::-1] and got.ndim == 2 else "wrong_shape"
        raise CheckFailed(f"{what}: expected shape {expected.shape}, got shape {got.shape}", diagnosis)
    if got.dtype != np.float64:
        raise CheckFailed(f"{what}: expected dtype float64, got {got.dtype}", "wrong_dtype")
    if not np.all(np.isfinite(got)):
        bad = np.argwhere(~np.isfinite(got))[0]
        raise CheckFailed(f"{what}: entry {tuple(int(i) for i in bad)} is {got[tuple(bad)]}, expected a finite number",
                          "non_finite")
    errors = rel_error(got, expected) if got.size else np.zeros(1)
    worst = np.unravel_index(np.argmax(errors), errors.shape)
    if errors[worst] > tol:
        where = tuple(int(i) for i in worst)
        code, cause = _cause(got, expected, suspects, n, what, where)
        raise CheckFailed(f"{what}: worst entry {where}: got {got[worst]:.6g}, expected {expected[worst]:.6g}; "
                          f"relative error {errors[worst]:.2e} > tolerance {tol:.0e}{cause}", code,
                          {"rel_error": float(errors[worst]), "tolerance": tol})
    return float(errors[worst])


def expect_float(got, expected, tol, what, suspects=(), n=None, floor=1e-8):
    """got must be a real number within relative error tol of expected (suspects, n: as for expect_array).

    floor: the denominator's floor of the relative error; 1 makes tol absolute for numbers
    below 1 (for sums whose terms cancel, where the last bits of a correct formula differ)."""
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        if isinstance(got, np.ndarray) and got.size == 1 and got.dtype.kind == "f":
            got = float(got.reshape(-1)[0])
        else:
            raise CheckFailed(f"{what}: expected a float, got {describe(got)}", "wrong_type")
    if not np.isfinite(got):
        raise CheckFailed(f"{what}: got {got}, expected a finite number", "non_finite")
    error = float(rel_error(float(got), float(expected), floor))
    if error > tol:
        code, cause = _cause(float(got), float(expected), suspects, n, what)
        raise CheckFailed(f"{what}: got {got:.8g}, expected {expected:.8g}; relative error {error:.2e} "
                          f"> tolerance {tol:.0e}{cause}", code, {"rel_error": error, "tolerance": tol})
    return error


def expect_unchanged(before, after, what="inputs", diagnosis="mutates_input"):
    """The array arguments after a call must equal those sent (bitwise); else CheckFailed(diagnosis)."""
    for index, (a, b) in enumerate(zip(before, after)):
        if isinstance(a, np.ndarray) and not (isinstance(b, np.ndarray) and a.shape == b.shape
                                              and np.array_equal(a, b, equal_nan=True)):
            raise CheckFailed(f"argument {index + 1} was modified by the call; {what} must stay unchanged",
                              diagnosis)


def wrong_container(got, expected):
    """The CheckFailed (wrong_type) for a result of the wrong kind: "got a list (...), expected {expected}"."""
    return CheckFailed(f"got {describe(got)}, expected {expected}", "wrong_type")


def unpack(result, count, what):
    """A result that must be a tuple (or list) of count items."""
    if not isinstance(result, (tuple, list)) or len(result) != count:
        raise CheckFailed(f"{what} must return a tuple of {count} items, got {describe(result)}", "wrong_type")
    return result
