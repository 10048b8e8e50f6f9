"""submission_metadata.json (written by Gradescope beside the submission): is it late, and has the
due date passed (so that the after_due_date tests are shown)?

Gradescope gives the submission time (created_at) and the assignment's due_date and
late_due_date; a student with an extension has their own dates under users[i]["assignment"]
(when present, the latest of them counts). Lateness is only reported, never deducted here.

Whatever the file holds, nothing here raises: a field of an unexpected type or an unreadable
date is left out with a note. A date without a time zone is read in created_at's time zone
(UTC if that has none either), and a date without a time (a due date of "2026-03-01") as the
end of that day; each with a note.
"""
import json
import math
from datetime import datetime, time, timezone

MAX_BYTES = 1 << 20  # submission_metadata.json is a few kB; past this it is not read


def _dict(value):
    return value if isinstance(value, dict) else {}


def _when(text, field, notes, zone=None):
    """The datetime of an ISO text (aware, in zone when the text has none), or None with a note."""
    if text is None or text == "":
        return None
    if not isinstance(text, str):
        notes.append(f"{field} is not a date ({type(text).__name__}); it was ignored")
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        notes.append(f"{field} {text[:40]!r} is not a date; it was ignored")
        return None
    if len(text.strip()) <= 10:  # a date alone: the whole day counts
        value = datetime.combine(value.date(), time(23, 59, 59))
        notes.append(f"{field} {text!r} has no time; it was read as the end of that day")
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone or timezone.utc)
        notes.append(f"{field} {text[:40]!r} has no time zone; it was read as {value.strftime('UTC%z')}")
    return value


def describe(delta):
    """'45 seconds', '1 minute', '12 minutes', '3.5 hours' for a positive timedelta."""
    seconds = delta.total_seconds()
    if seconds < 60:
        count, unit = max(1, int(seconds)), "second"
    elif seconds < 3600:
        count, unit = int(seconds // 60), "minute"
    else:
        hours = round(seconds / 3600, 2)
        return f"{hours:g} hour{'' if hours == 1 else 's'}"
    return f"{count} {unit}{'' if count == 1 else 's'}"


def _dates(metadata, notes):
    """(created_at, due_date, late_due_date) as aware datetimes (None when absent or unreadable):
    the student's own due dates when they have an extension (the latest counts), else the
    assignment's. A late due date before the due date (an extension past the assignment's late
    due date, without its own) is ignored. Odd fields add a sentence to notes."""
    metadata = _dict(metadata)
    if "assignment" in metadata and not isinstance(metadata["assignment"], dict):
        notes.append("assignment is not an object; its dates were ignored")
    if "users" in metadata and not isinstance(metadata["users"], list):
        notes.append("users is not a list; extensions were ignored")
    assignment = _dict(metadata.get("assignment"))
    users = metadata.get("users") if isinstance(metadata.get("users"), list) else []
    personal = [_dict(user).get("assignment") for user in users]
    personal = [a for a in personal if isinstance(a, dict)]
    created = _when(metadata.get("created_at"), "created_at", notes)
    zone = created.tzinfo if created is not None else None

    def latest(field):
        texts = [a.get(field) for a in personal if a.get(field)] or [assignment.get(field)]
        dates = [_when(t, field, notes, zone) for t in texts]
        return max((d for d in dates if d is not None), default=None)
    due, late_due = latest("due_date"), latest("late_due_date")
    if due is not None and late_due is not None and late_due < due:
        # An extension without its own late due date: the assignment's, earlier, does not apply.
        notes.append(f"late_due_date {late_due.isoformat()} is before the due date {due.isoformat()}; it was ignored")
        late_due = None
    return created, due, late_due


def due_date_passed(metadata, now=None):
    """Whether Gradescope shows this student the after_due_date tests at now (default: now): once
    their due date, or the late due date when there is one, has passed. Without metadata or a
    due date: False, since the student sees the output at once (nothing hidden is told)."""
    try:
        _, due, late_due = _dates(metadata, []) if metadata is not None else (None, None, None)
    except Exception:  # noqa: BLE001 - odd metadata never stops results.json: then nothing hidden is told
        return False
    shown_after = late_due or due
    if shown_after is None:
        return False
    return (now or datetime.now(shown_after.tzinfo)) >= shown_after


def lateness(metadata, notes=None):
    """What the metadata says about lateness.

    Input:
    - metadata: dict parsed from submission_metadata.json (any content).
    - notes: None or a list to which a sentence is added for every odd field.

    Returns: dict with late (bool), created_at, due_date, late_due_date (ISO text or None),
    hours_late and seconds_late (0 when on time; seconds_late exact, to the microsecond), message
    (a sentence) and notes (list of str, the fields that were odd); or None when the metadata
    lacks the submission time or the due date.
    """
    notes = [] if notes is None else notes
    created, due, late_due = _dates(metadata, notes)
    if created is None or due is None:
        return None
    late = created > due
    seconds = (created - due).total_seconds() if late else 0  # exact: half a second late is late
    message = (f"submitted {describe(created - due)} after the due date ({due.isoformat()})" if late
               else f"submitted before the due date ({due.isoformat()})")
    if late and late_due is not None and created > late_due:
        message += f", and after the late due date ({late_due.isoformat()})"
    return {"late": late, "created_at": created.isoformat(), "due_date": due.isoformat(),
            "late_due_date": late_due.isoformat() if late_due else None, "hours_late": round(seconds / 3600, 2),
            "seconds_late": seconds, "message": message, "notes": notes}


def read(path):
    """(metadata dict or None, note str or None) from a submission_metadata.json path. A number that
    is not finite (NaN, Infinity, 1e400) is read as None, with the note saying so."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return None, None
    except OSError as error:
        return None, f"submission_metadata.json could not be read ({error})"
    if len(data) > MAX_BYTES:
        return None, f"submission_metadata.json is larger than {MAX_BYTES >> 20} MB and was not read"
    odd = []

    def finite(text):  # NaN, Infinity and 1e400 are no numbers a date, score or leaderboard can hold
        value = float(text)
        if math.isfinite(value):
            return value
        odd.append(text[:20])
        return None
    try:
        data = json.loads(data, parse_float=finite, parse_constant=finite)
    except (ValueError, RecursionError) as error:  # RecursionError: nested too deeply
        return None, f"submission_metadata.json could not be read ({type(error).__name__}: {str(error)[:200]})"
    if not isinstance(data, dict):
        return None, "submission_metadata.json is not a JSON object"
    note = (f"submission_metadata.json holds numbers that are not finite ({', '.join(sorted(set(odd))[:5])}); "
            "they were read as null") if odd else None
    return data, note


def flag(document, metadata, note=None):
    """Record lateness in a results document: extra_data["submission"], and a line on top of
    the output when late. Changes document in place and returns it; never raises."""
    notes = []
    try:
        info = lateness(metadata, notes) if metadata is not None else None
    except Exception as error:  # noqa: BLE001 - results.json is written whatever the metadata holds
        info, note = None, f"submission_metadata.json could not be understood ({error!r})"
    if info is None:
        info = {"late": None, "message": note or "no usable submission time or due date in submission_metadata.json",
                "notes": notes}
    elif note:
        notes.append(note)
    document.setdefault("extra_data", {})["submission"] = info
    if info["late"]:
        document["output"] = f"**Late submission**: {info['message']}.\n\n" + document.get("output", "")
    return document
