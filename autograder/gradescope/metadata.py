"""submission_metadata.json (written by Gradescope beside the submission): is it late, and has the
due date passed (so that the after_due_date tests are shown)?

Gradescope gives the submission time (created_at) and the assignment's due_date and
late_due_date; a student with an extension has their own dates under users[i]["assignment"]
(when present, the latest of them counts). Lateness is only reported, never deducted here.
"""
import json
from datetime import datetime


def _when(text):
    return datetime.fromisoformat(text) if isinstance(text, str) and text else None


def _hours(delta):
    return round(delta.total_seconds() / 3600, 2)


def _dates(metadata):
    """(created_at, due_date, late_due_date) as datetimes (None when absent): the student's own due
    dates when they have an extension (the latest counts), else the assignment's. Raises
    TypeError or ValueError on a malformed date."""
    assignment = metadata.get("assignment") or {}
    personal = [user.get("assignment") for user in metadata.get("users") or []
                if isinstance(user, dict) and isinstance(user.get("assignment"), dict)]
    due_texts = [a["due_date"] for a in personal if a.get("due_date")] or [assignment.get("due_date")]
    late_texts = [a["late_due_date"] for a in personal if a.get("late_due_date")] or [assignment.get("late_due_date")]
    return (_when(metadata.get("created_at")), max((d for d in map(_when, due_texts) if d is not None), default=None),
            max((d for d in map(_when, late_texts) if d is not None), default=None))


def due_date_passed(metadata, now=None):
    """Whether Gradescope shows this student the after_due_date tests at now (default: now): once
    their due date, or the late due date when there is one, has passed. Without metadata or a
    due date: False, since the student sees the output at once (nothing hidden is told)."""
    try:
        _, due, late_due = _dates(metadata) if metadata is not None else (None, None, None)
    except (TypeError, ValueError):
        return False
    shown_after = late_due or due
    if shown_after is None:
        return False
    return (now or datetime.now(shown_after.tzinfo)) >= shown_after


def lateness(metadata):
    """What the metadata says about lateness.

    Input:
    - metadata: dict parsed from submission_metadata.json.

    Returns: dict with late (bool), created_at, due_date, late_due_date (ISO text or None),
    hours_late (float, 0 when on time) and message (a sentence); or None when the metadata
    lacks the submission time or the due date.
    """
    try:
        created, due, late_due = _dates(metadata)
    except (TypeError, ValueError):
        return None
    if created is None or due is None:
        return None
    late = created > due
    hours = _hours(created - due) if late else 0.0
    message = (f"submitted {hours:g} hours after the due date ({due.isoformat()})" if late
               else f"submitted before the due date ({due.isoformat()})")
    if late and late_due is not None and created > late_due:
        message += f", and after the late due date ({late_due.isoformat()})"
    return {"late": late, "created_at": created.isoformat(), "due_date": due.isoformat(),
            "late_due_date": late_due.isoformat() if late_due else None, "hours_late": hours, "message": message}


def read(path):
    """(metadata dict or None, note str or None) from a submission_metadata.json path."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return None, None
    except (OSError, ValueError) as error:
        return None, f"submission_metadata.json could not be read ({error})"
    if not isinstance(data, dict):
        return None, "submission_metadata.json is not a JSON object"
    return data, None


def flag(document, metadata, note=None):
    """Record lateness in a results document: extra_data["submission"], and a line on top of
    the output when late. Changes document in place and returns it."""
    info = lateness(metadata) if metadata is not None else None
    if info is None:
        info = {"late": None, "message": note or "no submission time or due date in submission_metadata.json"}
    document.setdefault("extra_data", {})["submission"] = info
    if info["late"]:
        document["output"] = f"**Late submission**: {info['message']}.\n\n" + document.get("output", "")
    return document
