"""dropnorm's mutation suite (assignments/dropnorm/mutants/): every mutant is killed, at least 90%
get their expected diagnosis, and every correct variant keeps full marks.

Graded in this process, one after another, with tests/mutants/runner.py's own building and
judging: its pool workers would grade the default assignment, and it judges variants against
100 points (see assignments/dropnorm/NEEDS.md).
"""
import tempfile
from pathlib import Path

import pytest

from autograder import assignment, grade, rubric
from mutants import runner

FOLDER = Path(__file__).resolve().parents[2] / "assignments" / "dropnorm"


@pytest.fixture(scope="module")
def suite():
    """(verdicts, {variant: (score, total, failed ids)}) of the whole suite, graded once."""
    previous = assignment.current()
    assignment.use(FOLDER)
    try:
        total = rubric.total(rubric.load())
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
