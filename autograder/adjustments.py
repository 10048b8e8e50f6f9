"""Manual adjustments: a TA's changes to one student's score, kept beside the class's output.

OUT/adjustments.csv (one row per adjustment, applied in file order) has the columns

    student, test, points, delta, reason, by, when

- student: the student's id (their folder's name in OUT), matched exactly (spaces count);
- test: a rubric test id (e.g. softmax_loss.values), or "total" for the whole score;
- points or delta (exactly one): the new points, or a change (e.g. -2) of the current points;
- reason: why (shown to the student in report.html); by: who; when: ISO date (optional).

Test adjustments come first (a test keeps between 0 and its max_score), then "total" ones (the
total stays at least 0). They are applied to the gradebook, canvas.csv, summary.html and the
student's report.md and report.html, never to results.json (the grader's record): every batch
and merge applies the file again, so a regrade after a rubric change keeps them. An adjustment
that cannot be applied (its test is no longer in the student's results, the student is unknown
or not graded) is reported in the batch's closing lines and in the gradebook's adjustments
column, never dropped silently. Text cells are written as gradebook.csv's are (gradebook.cell).
"""
import copy
import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

from .results import write_atomic

FILE = "adjustments.csv"
STAMP = "adjusted.json"  # in a student's folder: the adjustments its reports show (adjust.py)
COLUMNS = ("student", "test", "points", "delta", "reason", "by", "when")
TOTAL = "total"


class AdjustmentError(ValueError):
    """adjustments.csv, or a new adjustment, is malformed; the message says where."""


@dataclass(frozen=True)
class Adjustment:
    """One row: points (new points) or delta (a change), the other None; line: its row in the file."""
    student: str
    test: str
    points: float
    delta: float
    reason: str
    by: str
    when: str = ""
    line: int = 0


def _number(text, what, where):
    from .report.gradebook import uncell
    text = uncell(text or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise AdjustmentError(f"{where}: {what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise AdjustmentError(f"{where}: {what} must be finite")
    return value


def make(student, test, points=None, delta=None, reason="", by="", when="", line=0, where="adjustment"):
    """An Adjustment, checked: raises AdjustmentError unless exactly one of points and delta is
    given, it is finite, points is at least 0, and student, test, reason and by are not empty (or blank).
    student and test are kept exactly as given (they must match a batch id and a rubric id)."""
    for name, value in (("student", student), ("test", test), ("reason", reason), ("by", by)):
        if not (value or "").strip():
            raise AdjustmentError(f"{where}: {name} is empty")
    if (points is None) == (delta is None):
        raise AdjustmentError(f"{where}: give exactly one of points and delta")
    if not math.isfinite(points if delta is None else delta):  # `adjust --delta nan` would spoil the file
        raise AdjustmentError(f"{where}: {'points' if delta is None else 'delta'} must be finite")
    if points is not None and points < 0:
        raise AdjustmentError(f"{where}: points must be at least 0")
    # Ids are never stripped: " bob" and "bob" are two students (batch ids match exactly).
    return Adjustment(student, test, points, delta, reason.strip(), by.strip(), (when or "").strip(), line)


def read(path):
    """The adjustments of an adjustments.csv, in file order ([] when there is no file); raises
    AdjustmentError naming the file and line on a malformed row, a file that is not UTF-8 (e.g.
    Excel's plain "CSV", cp1252), a field over csv's size limit or a file that cannot be read."""
    from .report.gradebook import uncell
    path = Path(path)
    if not path.is_file():
        return []
    try:
        data = path.read_bytes()
    except FileNotFoundError:  # removed since: as if there were none
        return []
    except OSError as error:
        raise AdjustmentError(f"{path} could not be read ({error})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise AdjustmentError(f"{path}, line {line}: not UTF-8 text (save it as "
                              "\"CSV UTF-8\")") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    found = []
    try:
        missing = [c for c in COLUMNS[:6] if c not in (reader.fieldnames or [])]
        if missing:
            raise AdjustmentError(f"{path}: missing columns {missing}; expected {list(COLUMNS)}")
        for row in reader:
            where = f"{path}, line {reader.line_num}"
            text = {k: uncell(row.get(k) or "") for k in COLUMNS}
            found.append(make(text["student"], text["test"], _number(row["points"], "points", where),
                              _number(row["delta"], "delta", where), text["reason"], text["by"], text["when"],
                              reader.line_num, where))
    except csv.Error as error:  # e.g. a field over csv.field_size_limit()
        raise AdjustmentError(f"{path}, line {reader.line_num + 1}: {error}") from None
    return found


def append(path, adjustment):
    """Add one adjustment at the end of an adjustments.csv (created with its header), atomically;
    its cells in the order of the file's own header (read() accepts any order)."""
    from .report.gradebook import _csv, number
    path = Path(path)
    read(path)  # a malformed file is not made longer
    old = path.read_text(encoding="utf-8-sig") if path.is_file() else _csv([COLUMNS])
    header = next(csv.reader(io.StringIO(old)), list(COLUMNS))
    cells = dict(zip(COLUMNS, (adjustment.student, adjustment.test, number(adjustment.points),
                               number(adjustment.delta), adjustment.reason, adjustment.by, adjustment.when)))
    row = [cells.get(name, "") for name in header]
    write_atomic(path, old + ("" if old.endswith("\n") else "\n") + _csv([row]))


def _entry(adjustment, before, after, note=""):
    data = {"test": adjustment.test, "from": round(before, 4), "to": round(after, 4), "reason": adjustment.reason,
            "by": adjustment.by, "when": adjustment.when, "line": adjustment.line}
    return {**data, "note": note} if note else data


def apply(document, adjustments):
    """One student's results with their adjustments applied.

    Inputs:
    - document: the student's results.json dict (not changed).
    - adjustments: list of Adjustment of this student, in file order.

    Returns: (adjusted deep copy, list of problem sentences). The copy's tests carry
    extra_data.adjustments, and its extra_data.adjustments lists every one applied
    ({"test", "from", "to", "reason", "by", "when", "line", "note"?}), in the order applied.
    """
    document = copy.deepcopy(document)
    tests = {t["extra_data"]["id"]: t for t in document["tests"] if isinstance(t.get("extra_data"), dict)}
    applied, problems = [], []
    for adjustment in [a for a in adjustments if a.test != TOTAL]:
        test = tests.get(adjustment.test)
        if test is None:
            problems.append(f"{adjustment.student}: the adjustment of {adjustment.test} (adjustments.csv line "
                            f"{adjustment.line}) was not applied: the results have no such test (a rubric change?)")
            continue
        before = test["score"]
        wanted = adjustment.points if adjustment.points is not None else before + adjustment.delta
        after = min(max(wanted, 0.0), test["max_score"])
        note = f"kept between 0 and {test['max_score']:g} (asked {wanted:g})" if after != wanted else ""
        test["score"] = round(after, 4)
        entry = _entry(adjustment, before, after, note)
        test["extra_data"].setdefault("adjustments", []).append(entry)
        applied.append(entry)
    score = round(sum(t["score"] for t in document["tests"]), 4)
    for adjustment in [a for a in adjustments if a.test == TOTAL]:
        wanted = adjustment.points if adjustment.points is not None else score + adjustment.delta
        if not math.isfinite(wanted):  # e.g. two deltas of 1e308
            problems.append(f"{adjustment.student}: the adjustment of {TOTAL} (adjustments.csv line {adjustment.line}) "
                            "was not applied: the total would not be a finite number")
            continue
        after = max(wanted, 0.0)
        note = f"kept at least 0 (asked {wanted:g})" if after != wanted else ""
        applied.append(_entry(adjustment, score, after, note))
        score = round(after, 4)
    document["score"] = score
    document.setdefault("extra_data", {})["adjustments"] = applied
    return document, problems


def describe(entry, totals=True):
    """One line for an applied adjustment: 'softmax_loss.values: 3 -> 1 (-2): reason (by ta, 2026-03-02)';
    with totals False, a total's line gives only its change ('total: +2: ...'), since the total
    counts tests a student may not see yet."""
    change = round(entry["to"] - entry["from"], 4)
    who = ", ".join(x for x in (entry["by"], entry["when"]) if x)
    note = f"; {entry['note']}" if entry.get("note") else ""
    if entry["test"] == TOTAL and not totals:
        return f"{TOTAL}: {change:+g}: {entry['reason']} (by {who})"
    return (f"{entry['test']}: {entry['from']:g} -> {entry['to']:g} ({change:+g}): {entry['reason']} "
            f"(by {who}{note})")


def markdown_lines(document):
    """report.md's section for the adjustments of a results document (none: [])."""
    from .report.escape import inline
    applied = document.get("extra_data", {}).get("adjustments") or []
    if not applied:
        return []
    return ["## Adjustments", "", *[f"- {inline(describe(entry))}" for entry in applied], "",
            f"Score after the adjustments: {document['score']:g}.", ""]


def html_section(document):
    """report.html's section for the adjustments (of a student_view: only shown tests, and the total)."""
    from .report.html import esc
    shown = {t["extra_data"]["id"] for t in document.get("tests", []) if isinstance(t.get("extra_data"), dict)}
    applied = [e for e in document.get("extra_data", {}).get("adjustments") or [] if e["test"] in shown | {TOTAL}]
    if not applied:
        return ""
    return ("<h2>Adjustments by the course staff</h2><ul>"
            + "".join(f"<li>{esc(describe(entry, totals=False))}</li>" for entry in applied) + "</ul>")
