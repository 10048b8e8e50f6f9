"""Diagnoses that are consistent or silent: they never raise inside the grader (random wrong
answers of every shape, fed to diagnose() and to the real checks through the sandbox), a test
names a cause only when its failed cases agree, and a failure line and its diagnosis line cite
the same entry."""
import re

import numpy as np
import pytest

from autograder import grade, rubric
from autograder.checks import framework
from autograder.checks.diagnosis import Suspect, diagnose, region
from autograder.checks.framework import Case, CheckFailed, expect_array
from mutate import copy_reference, diagnoses

DIAGNOSES = diagnoses()

SHAPES = [(), (1,), (5,), (3, 4), (4, 3), (3, 3), (2, 3, 4), (0,)]


def _random_suspects(rng, shape):
    """Suspects of every kind, some of the answer's shape and some of another."""
    suspects = []
    for other in (shape, SHAPES[rng.integers(len(SHAPES))]):
        suspects += [Suspect("sign_flipped", "{what} value", rng.standard_normal(other)),
                     Suspect("scaled_by_constant", "{what} times {c:.3g}", np.zeros(other),
                             direction=rng.standard_normal(SHAPES[rng.integers(len(SHAPES))])),
                     region("wrong_at_kink", rng.random(other) < 0.5, "somewhere")]
    return suspects


@pytest.mark.parametrize("seed", range(40))
def test_diagnose_never_raises_on_random_answers(seed):
    rng = np.random.default_rng(seed)
    shape = SHAPES[seed % len(SHAPES)]
    expected = rng.standard_normal(shape)
    for got in (rng.standard_normal(shape), 2 * expected, np.zeros(shape), rng.standard_normal(SHAPES[seed % 3]),
                np.full(shape, np.nan), expected + 1e-3):
        code, hint = diagnose(got, expected, _random_suspects(rng, shape), n=int(rng.integers(1, 6)), what="x",
                              worst=tuple(int(i) for i in rng.integers(1, 3, size=len(shape))))
        assert code in DIAGNOSES and isinstance(hint, str) and hint


@pytest.mark.parametrize("seed", range(20))
def test_expect_array_names_a_known_code_for_any_answer(seed):
    rng = np.random.default_rng(100 + seed)
    expected = rng.standard_normal((3, 4))
    answers = [rng.standard_normal((3, 4)), expected.T, expected.astype(np.float32), expected.tolist(), None,
               {"a": 1}, "text", 3.0, np.full((3, 4), np.inf), rng.standard_normal(SHAPES[seed % len(SHAPES)])]
    for got in answers:
        with pytest.raises(CheckFailed) as failed:
            expect_array(got, expected, 1e-7, "dx", lambda: _random_suspects(rng, (3, 4)), n=3)
        assert failed.value.diagnosis in DIAGNOSES
        assert "could not analyse" not in failed.value.message


def test_the_failure_and_its_diagnosis_cite_the_same_entry():
    expected = np.array([[100.0, 1.0], [2.0, 3.0]])
    got = np.array([[101.0, -1.0], [2.0, 3.0]])  # largest difference at (0, 0), largest relative error at (0, 1)
    with pytest.raises(CheckFailed) as failed:
        expect_array(got, expected, 1e-7, "dx")
    cited = re.findall(r"entry \((\d+, \d+)\)", failed.value.message)
    assert cited == ["0, 1", "0, 1"], failed.value.message


def test_a_test_names_a_cause_only_when_its_failed_cases_agree():
    def cases(*codes):
        return [Case(f"case {i}", False, "wrong", code) for i, code in enumerate(codes)]

    assert grade._test_diagnosis([]) == (None, "")
    assert grade._test_diagnosis(cases("scaled_by_N", "scaled_by_N")) == ("scaled_by_N", "")
    code, line = grade._test_diagnosis(cases("wrong_at_kink", "unknown", "unknown", "unknown"))
    assert code == "unknown" and "1 wrong_at_kink" in line and "3 unknown" in line


# -- random wrong answers through the real checks --------------------------------------------------
# Appended to every module of a copy of the reference: each public function (and the models'
# scores and loss) answers, at random, right or with its result scrambled into another value,
# shape, dtype or container.
SCRAMBLER = '''

def _scrambled(seed):
    import functools as _functools
    import numpy as _np
    rng = _np.random.default_rng(seed)

    def scramble(value):
        pick = int(rng.integers(9))
        if isinstance(value, _np.ndarray) and value.dtype.kind == "f" and value.size:
            flat = value.reshape(-1).copy()
            flat[int(rng.integers(flat.size))] += [1.0, _np.nan, -3.0][pick % 3]
            return [value * rng.uniform(-3, 3), flat.reshape(value.shape), value.T, value.reshape(-1),
                    value.astype(_np.int64), value.tolist(), float(value.sum()), value[..., :-1],
                    _np.zeros_like(value)][pick]
        if isinstance(value, float):
            return [value * 2, -value, value + 1.0, [value], _np.array([value, value]), None, float("nan"),
                    "a string", value][pick]
        if isinstance(value, tuple):
            return [tuple(scramble(v) for v in value), value[:-1], value + (0.0,), list(value)][pick % 4]
        if isinstance(value, dict):
            keys = sorted(value)
            if pick % 3 == 0 and keys:
                return {k: v for k, v in value.items() if k != keys[0]}
            return {k: scramble(v) for k, v in value.items()}
        return value

    def wrap(function):
        @_functools.wraps(function)
        def wrapped(*args, **kwargs):
            result = function(*args, **kwargs)
            return scramble(result) if rng.random() < 0.6 else result
        return wrapped

    for name, value in list(globals().items()):
        if callable(value) and not name.startswith("_") and getattr(value, "__module__", "") == __name__:
            if isinstance(value, type):
                for method in ("scores", "loss"):
                    if method in vars(value):
                        setattr(value, method, wrap(vars(value)[method]))
            elif name not in ("Dual", "Var"):
                globals()[name] = wrap(value)


_scrambled({seed})
'''


@pytest.mark.parametrize("seed", range(6))
def test_random_wrong_answers_never_make_the_grader_fail(tmp_path, seed):
    copy_reference(tmp_path)
    for index, module in enumerate(sorted((tmp_path / "gradlab").glob("*.py"))):
        if module.stem not in ("__init__", "data"):
            module.write_text(module.read_text() + SCRAMBLER.replace("{seed}", str(seed * 100 + index)))
    document, _ = grade.grade(tmp_path)
    failed = [t for t in document["tests"] if t["status"] == "failed"]
    assert len(failed) > 10  # the scrambling reaches most tests
    for test in document["tests"]:
        cases = test["extra_data"]["cases"]
        assert all(c["diagnosis"] != "grader_error" for c in cases), test["output"]
        assert "could not analyse" not in test["output"], test["output"]
        assert {c["diagnosis"] for c in cases if c["diagnosis"]} <= set(DIAGNOSES)


def test_the_vocabulary_of_call_failures_is_known():
    assert set(framework.CALL_DIAGNOSES.values()) <= set(DIAGNOSES)


def test_a_sampler_giving_its_labels_as_floats_is_graded_not_the_graders_error(tmp_path):
    # sample_minibatch's docstring asks y_batch to belong to X_batch, not to keep y's dtype; the
    # checks read the rows the labels name whatever their dtype.
    copy_reference(tmp_path, [("optim", "return X[idx], y[idx]", "return X[idx], y[idx].astype(float)")])
    tests = [t for t in rubric.load() if t.id == "sample_minibatch.values"]
    (test,) = grade.grade(tmp_path, rubric_tests=tests)[0]["tests"]
    assert test["score"] == test["max_score"], test["output"]
