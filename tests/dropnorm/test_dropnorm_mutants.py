"""dropnorm's mutation suite (assignments/dropnorm/mutants/): every mutant is killed, at least 90%
get their expected diagnosis, and every correct variant keeps full marks.

Graded in this process, one after another, with tests/mutants/runner.py's own building and
judging: its pool workers would grade the default assignment, and its catalog check knows only
the harness's codes; dropnorm's own codes come from its diagnoses.py (see NEEDS.md).
"""
import importlib.util
import tempfile
from pathlib import Path

import pytest

from autograder import assignment, grade, rubric
from autograder.checks.diagnosis import DIAGNOSES
from mutants import runner

FOLDER = Path(__file__).resolve().parents[2] / "assignments" / "dropnorm"


def _own_diagnoses():
    spec = importlib.util.spec_from_file_location("dropnorm_diagnoses", FOLDER / "diagnoses.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.DIAGNOSES


@pytest.fixture(scope="module")
def suite():
    """(verdicts, {variant: (score, total, failed ids)}) of the whole suite, graded once."""
    previous = assignment.current()
    assignment.use(FOLDER)
    added = {code: meaning for code, meaning in _own_diagnoses().items() if code not in DIAGNOSES}
    DIAGNOSES.update(added)  # the catalog's check reads the vocabulary
    try:
        total = rubric.total(rubric.load()) if hasattr(rubric, "total") else sum(t.points for t in rubric.load())
        with tempfile.TemporaryDirectory(prefix="dropnorm-mutants-") as scratch:
            verdicts = []
            for mutant in runner.load_catalog():
                upload = runner.build_mutant(mutant, Path(scratch) / "mutants" / mutant.name)
                tests = [t for t in rubric.load() if t.id in runner.relevant_tests(mutant)]
                verdicts.append(runner.judge(mutant, grade.grade(upload, rubric_tests=tests)[0]))
            variants = {}
            for name in runner.variant_names():
                document = grade.grade(runner.build_variant(name, Path(scratch) / "variants" / name))[0]
                variants[name] = (document["score"], total,
                                  [t["extra_data"]["id"] for t in document["tests"] if t["status"] == "failed"])
        yield verdicts, variants
    finally:
        for code in added:
            del DIAGNOSES[code]
        assignment.use(previous)


def test_every_mutant_is_killed(suite):
    verdicts, _ = suite
    survived = [v.mutant.name for v in verdicts if not v.killed]
    assert survived == [], f"mutants that lost no points on their function's tests: {survived}"


def test_most_mutants_get_their_diagnosis(suite):
    verdicts, _ = suite
    wrong = {v.mutant.name: (v.judged_by, v.given, v.mutant.expect) for v in verdicts if not v.diagnosed}
    assert len(verdicts) - len(wrong) >= runner.DIAGNOSED_SHARE * len(verdicts), wrong


def test_every_correct_variant_keeps_full_marks(suite):
    _, variants = suite
    assert variants and all(score == total for score, total, _ in variants.values()), variants
