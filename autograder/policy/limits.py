"""Submission limits on Gradescope: past the limit, a submission is not graded and keeps the
score of the last graded one.

Gradescope lists the earlier submissions in submission_metadata.json's previous_submissions,
each with its submission_time, score and results (the results.json it got). A previous
submission counts when this grader graded it: its results are an object whose extra_data.grader
is this grader's name (results.grader_name of the assignment; a run Gradescope lost or killed has no such results) and
that is neither a failure of the grader itself (extra_data.grading_failed) nor a submission
refused by this limit (extra_data.limited). The same submission listed twice (same time and
results) counts once. Time windows are measured back from this submission's created_at (not the
clock: a regrade gives the same answer). Nothing here raises, whatever the metadata holds.
"""
import copy
import json
import math
from datetime import timedelta

from .. import assignment, results, visibility
from ..gradescope.metadata import _when, describe


def _graded(entry):
    """Whether a previous_submissions entry was graded (see the module's docstring)."""
    previous = entry.get("results") if isinstance(entry, dict) else None
    if not isinstance(previous, dict):
        return False
    extra = previous.get("extra_data") if isinstance(previous.get("extra_data"), dict) else {}
    return (extra.get("grader") == results.grader_name(assignment.current())
            and "grading_failed" not in extra and "limited" not in extra)


def counted(metadata, notes):
    """The graded previous submissions before this one: list of (time or None, entry), oldest
    first (those whose time cannot be read last, with a note); and this submission's time."""
    metadata = metadata if isinstance(metadata, dict) else {}
    created = _when(metadata.get("created_at"), "created_at", notes)
    previous = metadata.get("previous_submissions", [])
    if not isinstance(previous, list):
        notes.append("previous_submissions is not a list; it was ignored")
        previous = []
    found, seen = [], set()
    for index, entry in enumerate(previous):
        if not _graded(entry):
            continue
        key = (repr(entry.get("submission_time")), json.dumps(entry["results"], sort_keys=True, default=repr))
        if key in seen:
            continue  # the same submission listed twice counts once
        seen.add(key)
        when = _when(entry.get("submission_time"), f"previous_submissions[{index}].submission_time", notes,
                     created.tzinfo if created else None)
        if when is not None and created is not None and when >= created:
            continue  # a later submission (as a regrade of an earlier one sees them): not before this one
        found.append((when, entry))
    found.sort(key=lambda pair: (pair[0] is None, pair[0].timestamp() if pair[0] else 0.0))
    return found, created


def _limit_reached(limits, found, created):
    """A sentence saying which limit this submission is past, or None."""
    if limits.max_total is not None and len(found) >= limits.max_total:
        return f"you have used all {limits.max_total} graded submissions of this assignment"
    if limits.max_per_window is None or created is None:
        return None
    window = timedelta(hours=limits.window_hours)
    recent = [when for when, _ in found if when is not None and created - when < window]
    if len(recent) < limits.max_per_window:
        return None
    # The oldest of the last max_per_window leaves the window first.
    opens = recent[-limits.max_per_window] + window
    return (f"you have used the {limits.max_per_window} graded submissions allowed in {limits.window_hours:g} "
            f"hours; the next one is graded from {opens.isoformat()} (in {describe(opens - created)})")


def _finite(value):
    """Whether value is a finite number (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# What a copied test's fields may hold (Gradescope's specification; the schema in tests/schema/).
_TEST_FIELDS = {"score": _finite, "max_score": _finite, "status": lambda v: v in ("passed", "failed"),
                "name": lambda v: isinstance(v, str), "output": lambda v: isinstance(v, str),
                "tags": lambda v: isinstance(v, list) and all(isinstance(t, str) for t in v),
                "visibility": lambda v: v in visibility.ORDER, "extra_data": lambda v: isinstance(v, dict)}


def _valid_test(test):
    """Whether a copied test is one this grader could have written: a score and a max_score, and
    only fields of the kinds it writes, each valid."""
    return (isinstance(test, dict) and "score" in test and "max_score" in test
            and all(key in _TEST_FIELDS and _TEST_FIELDS[key](value) for key, value in test.items()))


def _previous_document(entry, notes):
    """A valid results document rebuilt from a previous submission's results: only what is valid
    is copied (tests with a valid field each, a finite score or else the entry's, a known output
    format); what was left out is said in notes."""
    old = entry["results"]
    tests = old.get("tests") if isinstance(old.get("tests"), list) else []
    kept = [copy.deepcopy(test) for test in tests if _valid_test(test)]
    if len(kept) < len(tests):
        notes.append(f"{len(tests) - len(kept)} test(s) of the last graded results were not valid and were left out")
    score = next((s for s in (old.get("score"), entry.get("score")) if _finite(s)), 0.0)
    document = results.build([], 0.0, old.get("output") if isinstance(old.get("output"), str) else "",
                             copy.deepcopy(old["extra_data"]))
    document.update(score=float(score), tests=kept)
    if _finite(old.get("execution_time")) and old["execution_time"] >= 0:
        document["execution_time"] = old["execution_time"]
    for key in ("output_format", "test_output_format"):
        if key in old and old[key] != document[key]:
            notes.append(f"the last graded results' {key} {str(old[key])[:20]!r} was replaced by {document[key]!r}")
    if "leaderboard" in old:  # kept: the last graded submission's place stands too (its valid entries)
        board = old["leaderboard"] if isinstance(old["leaderboard"], list) else []
        document["leaderboard"] = [copy.deepcopy(e) for e in board if isinstance(e, dict)
                                   and isinstance(e.get("name"), str)
                                   and (_finite(e.get("value")) or isinstance(e.get("value"), str))
                                   and e.get("order", "desc") in ("asc", "desc")]
    return document


def check(metadata, limits):
    """The results document of a submission past the limit, or None when it is to be graded.

    Inputs:
    - metadata: dict from submission_metadata.json (any content), or None.
    - limits: policy.Limits, or None (no limit).

    Returns: None (grade it), or the last graded submission's results, rebuilt from what is valid
    in them (_previous_document), with the reason on top of its output and extra_data.limited =
    {"reason", "last_graded", "notes"}.
    """
    if limits is None or metadata is None:
        return None
    notes = []
    try:
        found, created = counted(metadata, notes)
        reason = _limit_reached(limits, found, created)
        if reason is None:
            return None
        when, last = next(((w, e) for w, e in reversed(found) if w is not None), found[-1])
        document = _previous_document(last, notes)
    except Exception as error:  # noqa: BLE001 - odd metadata must not cost a student a grading
        notes.append(f"the submission limit could not be checked ({error!r}); this submission was graded")
        return None
    since = f" (submitted {when.isoformat()})" if when is not None else ""
    message = (f"**Submission limit**: {reason}. This submission was not graded: your score is that of your last "
               f"graded submission{since}.")
    document["output"] = message + "\n\n" + document["output"]
    document["extra_data"]["limited"] = {"reason": reason, "last_graded": when.isoformat() if when else None,
                                         "notes": notes}
    return document
