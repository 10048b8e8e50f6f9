"""dropnorm as an assignment: its handout and examples are generated and current, the examples
grade as their names say, and its public tests pass on the reference and fail on the stubs."""
import shutil
import subprocess
import sys

import pytest

from autograder import assignment, grade
from results_schema import validate as validate_results
from tools import make_assignment, make_examples

SPEC = assignment.load("dropnorm")


@pytest.fixture()
def dropnorm():
    """Grade dropnorm in this test, the previous assignment restored after it."""
    previous = assignment.current()
    yield assignment.use(SPEC)
    assignment.use(previous)


def test_handout_is_generated_from_the_solutions():
    assert make_assignment.main(["--check", "--assignment", "dropnorm"]) == 0, \
        "run `make assignment ASSIGNMENT=dropnorm`"


def test_examples_are_up_to_date(tmp_path):
    fresh = tmp_path / "submissions"
    make_examples.build(fresh, SPEC)
    assert make_examples.stale(fresh, SPEC.examples) == [], "run `make examples ASSIGNMENT=dropnorm`"


def test_the_stubs_are_stubs_and_the_provided_modules_complete():
    package = SPEC.handout / SPEC.package
    for module in SPEC.graded:
        assert "raise NotImplementedError(" in (package / f"{module}.py").read_text()
    for module in SPEC.provided:
        assert "NotImplementedError" not in (package / f"{module}.py").read_text()


def _scores(document):
    return {t["extra_data"]["id"]: (t["score"], t["max_score"], t["extra_data"]["diagnosis"])
            for t in document["tests"]}


def test_complete_and_empty_examples(dropnorm):
    complete = grade.grade(SPEC.examples / "complete")[0]
    validate_results(complete)
    assert complete["score"] == sum(t["max_score"] for t in complete["tests"])
    empty = grade.grade(SPEC.examples / "empty")[0]
    assert empty["score"] == 0
    assert {diagnosis for _, _, diagnosis in _scores(empty).values()} == {"not_implemented"}


def test_the_mistakes_lose_their_points_with_their_diagnoses(dropnorm):
    document = grade.grade(SPEC.examples / "backprop_mistakes.zip")[0]
    validate_results(document)
    scores = _scores(document)
    assert scores["dropout_forward.train"][0] == 0 and scores["dropout_forward.expectation"][2] == \
        "dropout_scaled_by_1_minus_p"
    assert scores["batchnorm_forward.running_averages"][2] == "batchnorm_running_average_not_updated"
    assert scores["batchnorm_backward.gradient"][2] == "batchnorm_dx_missing_mean_terms"
    assert scores["batchnorm_forward.train"][0] == scores["batchnorm_forward.train"][1]  # right where untouched


@pytest.mark.parametrize("stubs", [False, True], ids=["solutions", "handout"])
def test_public_tests_pass_on_the_reference_and_fail_on_the_stubs(stubs, tmp_path):
    root = tmp_path / "handout"
    make_assignment.build(root, SPEC, stubs=stubs)  # the handout, or its working copy with the solutions in
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=root, capture_output=True, text=True, timeout=300,
                          env={"PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin:/bin"})
    assert (done.returncode == 0) == (not stubs), done.stdout[-2000:]
    if stubs:
        assert "NotImplementedError" in done.stdout


def test_dropout_as_the_identity_fails_the_expectation_check(dropnorm, tmp_path):
    # The identity keeps every unit's mean exact: only the share of dropped units shows it.
    upload = tmp_path / "identity"
    shutil.copytree(SPEC.examples / "complete", upload)
    module = next(upload.rglob("dropout.py"))
    right = "    return x * mask / p, (mask / p, mode)\n"
    assert right in module.read_text()
    identity = "    return np.array(x, dtype=float), (mask * 0 + 1.0, mode)\n"
    module.write_text(module.read_text().replace(right, identity))
    scores = _scores(grade.grade(upload)[0])
    assert scores["dropout_forward.expectation"][0] == 0
    assert scores["batchnorm_forward.train"][0] == scores["batchnorm_forward.train"][1]


def test_a_students_copy_of_a_provided_module_is_not_used(dropnorm, tmp_path):
    # optim.py is provided: a copy that trains by other means (here: not at all) changes nothing.
    upload = tmp_path / "own_optim"
    shutil.copytree(SPEC.examples / "complete", upload)
    assert "optim" in SPEC.provided
    next(upload.rglob("optim.py")).write_text("def train(*args, **kwargs):\n    return {'loss': []}\n")
    document = grade.grade(upload)[0]
    assert document["score"] == sum(t["max_score"] for t in document["tests"])
    assert "optim.py is provided: the grader's copy was used" in document["output"]
    untouched = grade.grade(SPEC.examples / "complete")[0]
    assert "is provided" not in untouched["output"]
