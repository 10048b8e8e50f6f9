"""The class gradebook: gradebook.csv (a row per student) and canvas.csv (Canvas's import format).

Every score is copied from the student's results.json as the grader wrote it; nothing is
recomputed here. gradebook.csv columns: id, total, one column per test (its rubric id, in
rubric order), status ("graded", "crashed", "timeout", or "no results" when a folder lacks
its files). A student who could not be graded has empty score cells, never a made-up 0.
"""
import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from ..results import write_atomic

GRADEBOOK = "gradebook.csv"
CANVAS = "canvas.csv"
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


@dataclass
class Record:
    """What the output folder holds about one student.

    - student: str id.
    - status: "graded", "crashed", "timeout" or "no results".
    - message: str, why it was not graded ("" if it was).
    - seconds: float or None, wall-clock time of the last grading.
    - results: the results.json dict, or None.
    """
    student: str
    status: str
    message: str
    seconds: float
    results: dict

    @property
    def score(self):
        return self.results["score"] if self.results is not None else None


def load_records(out, students):
    """Records of the given students from out/<student>/{grading.json, results.json}, in order."""
    records = []
    for student in students:
        folder = Path(out) / student
        try:
            state = json.loads((folder / "grading.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            state = {}
        status = state.get("status", "no results")
        document = None
        if status == "graded":
            try:
                document = json.loads((folder / "results.json").read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                status, state["message"] = "no results", f"results.json cannot be read ({error})"
        records.append(Record(student, status, state.get("message", "no grading.json in its folder"),
                              state.get("seconds"), document))
    return records


def number(value):
    """A score as CSV text: '57.5', '100', or '' for None."""
    if value is None:
        return ""
    value = round(float(value), 4)
    return str(int(value)) if value.is_integer() else repr(value)


def test_columns(records):
    """Rubric ids of every test seen, in the order of the first results that list them."""
    columns = {}
    for record in records:
        for test in (record.results or {}).get("tests", []):
            columns.setdefault(test["extra_data"]["id"], test["max_score"])
    return columns


def _csv(rows):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def write(path, records):
    """Write gradebook.csv for records (atomically)."""
    columns = test_columns(records)
    rows = [["id", "total", *columns, "status"]]
    for record in records:
        scores = {test["extra_data"]["id"]: test["score"] for test in (record.results or {}).get("tests", [])}
        rows.append([record.student, number(record.score), *(number(scores.get(c)) for c in columns),
                     record.status])
    write_atomic(path, _csv(rows))


def read(path):
    """The rows of a gradebook.csv as dicts (column name -> text)."""
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _roster(path):
    """Rows of a Canvas gradebook export, keyed by each of its ID, SIS User ID and SIS Login ID."""
    if path is None:
        return {}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    keyed = {}
    for row in rows:
        for key in ("SIS Login ID", "SIS User ID", "ID"):
            if (row.get(key) or "").strip():
                keyed.setdefault(row[key].strip(), row)
    return keyed


def write_canvas(path, records, assignment="gradlab", roster=None):
    """Write canvas.csv, importable in Canvas (Grades > Import).

    Inputs:
    - path: Path to write.
    - records: list of Record.
    - assignment: the Canvas assignment column, e.g. "gradlab (12345)" to match an existing one.
    - roster: None or Path of a Canvas gradebook export; a student whose folder name equals a
      roster row's SIS Login ID, SIS User ID or ID takes that row's identity columns.

    Columns: Student, ID, SIS User ID, SIS Login ID, Section, then the assignment, whose first
    row is Canvas's "Points Possible". Without a roster match the folder name is used as
    Student and SIS Login ID. Students not graded get an empty cell (Canvas leaves it alone).

    Returns: list of student ids not found in the roster (empty without a roster).
    """
    keyed = _roster(roster)
    possible = max((sum(t["max_score"] for t in r.results["tests"]) for r in records if r.results), default=100)
    rows = [[*CANVAS_IDENTITY, assignment], ["Points Possible", "", "", "", "", number(possible)]]
    unmatched = []
    for record in records:
        match = keyed.get(record.student)
        if match is None:
            unmatched += [record.student] if keyed else []
            identity = [record.student, "", "", record.student, ""]
        else:
            identity = [match.get(column, "") for column in CANVAS_IDENTITY]
        rows.append([*identity, number(record.score)])
    write_atomic(path, _csv(rows))
    return unmatched
