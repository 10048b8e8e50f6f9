"""The late policy: a deduction after each student's own due date, as its own line of results.json.

The lateness comes from gradescope/metadata.py (the student's own due date when they have an
extension). The deduction is points_per_unit for every started hour (or day) after the due date
plus the grace minutes, capped at max_deduction; past the late due date it is max_deduction, or
every point ("zero"), as the policy says. It is also capped at what the tests the student sees
at grading time total (before the due date has passed, the visible ones only): the deduction's
line is visible, so a cap at the whole total would tell the points of the tests not shown yet.
So it never takes the total below 0, and a student whose shown tests total less than the
deduction loses only those (docs/tas.md, "Policies").

In results.json it is a test of its own (Gradescope adds test scores; a negative score is a
deduction), named "Late penalty", with max_score 0 and extra_data {"id": "policy.late", ...},
and a line on top of the output; the top-level score is the sum of the tests, as before.
"""
import math
from datetime import datetime

from .. import visibility
from ..gradescope.metadata import due_date_passed, lateness

TEST_ID = "policy.late"


def _after(first, second):
    """Whether ISO text first is after ISO text second (False when either is missing)."""
    if not first or not second:
        return False
    return datetime.fromisoformat(first) > datetime.fromisoformat(second)


def deduction(info, late, score):
    """What the late policy takes from a submission.

    Inputs:
    - info: metadata.lateness()'s dict (or None: no usable dates).
    - late: policy.Late.
    - score: float, the most it may take: the points of the tests the student sees now (see
      shown_points), never more than the total.

    Returns: None when nothing is deducted (on time, within the grace, or no dates); else a dict
    with points (float, > 0), units (started hours or days), past_late_due_date (bool) and
    message (a sentence for the student).
    """
    if not info or not info.get("late"):
        return None
    seconds = info["seconds_late"] - late.grace_minutes * 60
    if seconds <= 0:
        return None
    unit = "hour" if late.unit_hours == 1 else "day"
    units = math.ceil(seconds / (late.unit_hours * 3600))
    points = min(units * late.points_per_unit, late.max_deduction)
    past = _after(info.get("created_at"), info.get("late_due_date"))
    if past:
        points = score if late.after_late_due_date == "zero" else late.max_deduction
        why = (f"submitted after the late due date ({info['late_due_date']}): "
               + ("no points are given" if late.after_late_due_date == "zero"
                  else f"the largest deduction, {late.max_deduction:g} points"))
    else:
        why = (f"{units} started {unit}{'s' if units != 1 else ''} late at {late.points_per_unit:g} points per {unit}"
               + (f" (at most {late.max_deduction:g})" if units * late.points_per_unit > late.max_deduction else ""))
    points = round(min(points, max(score, 0.0)), 4)
    if points <= 0:
        return None
    return {"points": points, "units": units, "unit": unit, "past_late_due_date": past,
            "message": f"-{points:g} points: {why}"}


def shown_points(document, due_passed):
    """The points of the tests a student sees at grading time (at least 0, at most the total):
    the cap of a deduction whose line is visible."""
    shown = sum(test["score"] for test in document["tests"]
                if visibility.shown(test.get("visibility", "visible"), due_passed))
    return min(max(shown, 0.0), document["score"])


def apply(document, metadata, late, due_passed=None):
    """Add the late deduction to a results document (in place) and return it; never raises (odd
    metadata deduct nothing: metadata.flag says what was odd).

    Inputs:
    - document: results.json dict (tests and score).
    - metadata: dict from submission_metadata.json (any content), or None.
    - late: policy.Late, or None (no late policy: nothing changes).
    - due_passed: whether the due date has passed at grading time (None: from the metadata, as
      gradescope/run.py grades); the deduction is capped at the tests then shown.
    """
    if late is None or metadata is None:
        return document
    try:
        info = lateness(metadata)
        if due_passed is None:
            due_passed = due_date_passed(metadata)
        taken = deduction(info, late, shown_points(document, due_passed))
    except Exception:  # noqa: BLE001 - results.json is written whatever the metadata holds
        return document
    if taken is None:
        return document
    document["tests"].append({
        "name": "Late penalty", "score": -taken["points"], "max_score": 0, "status": "failed",
        "visibility": "visible", "tags": ["late policy"], "output": taken["message"] + ".",
        "extra_data": {"id": TEST_ID, **{k: taken[k] for k in ("units", "unit", "past_late_due_date")},
                       "hours_late": info.get("hours_late")}})
    document["score"] = round(document["score"] - taken["points"], 4)
    document.setdefault("extra_data", {})["late_penalty"] = taken
    document["output"] = f"**Late penalty**: {taken['message']}.\n\n" + document.get("output", "")
    return document
