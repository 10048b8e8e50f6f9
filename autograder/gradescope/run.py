"""What run_autograder runs: grade ROOT/submission into ROOT/results/results.json.

ROOT is $AUTOGRADER_ROOT, default /autograder (Gradescope's layout: source/ holds the
bundle, submission/ the upload, submission_metadata.json its metadata, results/ the output).
results.json is always written, atomically; if the grader itself fails, it says so with a
score of 0, no tests and the traceback in extra_data, so the course staff see the failure.
Until the student's due date (from submission_metadata.json) has passed, the output tells
nothing of the tests shown after it (see autograder/visibility.py). The rubric's [policy]
(autograder/policy/) may limit graded submissions (past the limit, the last graded results are
given again, ungraded) and deduct points for lateness.
"""
import os
import sys
import time
import traceback
from pathlib import Path

from .. import policy, results
from ..lanes import processors, usable
from ..policy import late, limits
from ..sandbox import Limits, spawner
from . import metadata

DEFAULT_ROOT = "/autograder"


def _failed(error, seconds):
    """A results document for a grading that could not be done at all."""
    output = ("The autograder itself failed, so this submission was not graded; the course staff can see "
              f"why. Please tell them. ({type(error).__name__}: {error})")
    return results.build([], seconds, output, {"grading_failed": traceback.format_exc()[-4000:]})


def main():
    root = Path(os.environ.get("AUTOGRADER_ROOT", DEFAULT_ROOT))
    start = time.monotonic()
    spawner.zygote()  # boots while the grader's checks load, instead of after
    meta, note = metadata.read(root / "submission_metadata.json")  # never raises
    try:
        from .. import grade  # here, after the zygote's start, which overlaps this import
        rules = policy.load()
        document = limits.check(meta, rules.limits)  # past the limit: the last graded results, never raises
        if document is None:
            due_passed = metadata.due_date_passed(meta)
            document, _ = grade.grade(root / "submission", due_passed=due_passed, lanes=processors(usable(Limits())))
            late.apply(document, meta, rules.late, due_passed)  # the rubric's [policy.late]; never raises
    except Exception as error:  # noqa: BLE001 - results.json must exist whatever happens
        document = _failed(error, time.monotonic() - start)
    metadata.flag(document, meta, note)  # never raises
    target = root / "results" / "results.json"
    try:
        text = results.dumps(document)
    except (TypeError, ValueError) as error:  # e.g. a number that is not finite: still a results.json
        document = metadata.flag(_failed(error, time.monotonic() - start), meta, note)
        text = results.dumps(document)
    results.write_atomic(target, text)
    total = sum(test["max_score"] for test in document["tests"])
    print(f"graded {root / 'submission'}: {document['score']:g} / {total:g} -> {target}")
    return 0  # like `python -m autograder grade`: 0 whenever results.json was written


if __name__ == "__main__":
    sys.exit(main())
