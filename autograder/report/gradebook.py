"""The class gradebook: gradebook.csv (a row per student) and canvas.csv (Canvas's import format).

Every score is copied from the student's results.json as the grader wrote it; nothing is
recomputed here. gradebook.csv columns: id, total, one column per test (its rubric id, in
rubric order), status ("graded", "crashed", "timeout", or "no results" when a folder lacks
its files, or when they do not match), "refused" (the entry cannot be graded as named). A
student who could not be graded has empty score cells, never a made-up 0.

Every text cell that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or
a carriage return) or that starts with a single quote gets a single quote in front, and every
field is quoted: read() takes the quote off again, so ids come back exactly.
"""
import csv
import hashlib
import io
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..results import write_atomic

GRADEBOOK = "gradebook.csv"
RESULTS, STATE = "results.json", "grading.json"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "'")
CANVAS = "canvas.csv"
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


@dataclass
class Record:
    """What the output folder holds about one student.

    - student: str id.
    - status: "graded", "crashed", "timeout", "no results" or "refused".
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


def text(value):
    """value as text that can be written as UTF-8 (undecodable bytes of file names as \\xNN)."""
    value = str(value)
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte
        data = value.encode("utf-8", "surrogatepass")
    return data.decode("utf-8", "backslashreplace")


def results_problem(state, data):
    """Why results.json's bytes data are not what the grading recorded in state (grading.json),
    or None if they are: a score equal to the sum of the tests' scores, each between 0 and its
    maximum, and the SHA-256 that grading.json recorded."""
    try:
        document = json.loads(data)
        tests, score = document["tests"], float(document["score"])
        total = round(sum(float(test["score"]) for test in tests), 4)
        bad = [test["extra_data"]["id"] for test in tests if not 0 <= float(test["score"]) <= float(test["max_score"])]
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        return f"results.json is malformed ({type(error).__name__}: {error})"
    if round(score, 4) != total:
        return f"results.json's score {score:g} is not the sum of its tests' scores ({total:g})"
    if bad:
        return f"results.json gives tests more than their points or less than 0: {', '.join(map(str, bad[:3]))}"
    if state.get("results_sha256") != hashlib.sha256(data).hexdigest():
        return "results.json is not the file its grading wrote (its SHA-256 differs from the one in grading.json)"
    return None


def load_record(folder, student):
    """The Record of one student from folder/{grading.json, results.json}; never raises."""
    folder = Path(folder)
    try:
        state = json.loads((folder / STATE).read_text(encoding="utf-8"))
        state = state if isinstance(state, dict) else {}
    except (OSError, ValueError):
        state = {}
    status, message, document = state.get("status", "no results"), state.get("message", ""), None
    if "status" not in state:
        message = "no readable grading.json in its folder"
    if status == "graded":
        try:
            data = (folder / RESULTS).read_bytes()
            problem = results_problem(state, data)
            document = None if problem else json.loads(data)
        except OSError as error:
            problem = f"results.json cannot be read ({error})"
        if problem:
            status, message = "no results", problem
    seconds = state.get("seconds")
    return Record(text(student), text(status), text(message),
                  seconds if isinstance(seconds, (int, float)) else None, document)


def load_records(out, students, refused=None):
    """Records of the given students, in order: from out/<student>/ or, for a student in refused
    (dict id -> reason), a "refused" record with no folder."""
    refused = refused or {}
    return [Record(text(s), "refused", text(refused[s]), None, None) if s in refused else load_record(Path(out) / s, s)
            for s in students]


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


def cell(value):
    """A text cell no spreadsheet runs as a formula (see the module's docstring)."""
    value = text(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def uncell(value):
    """What cell() was given."""
    return value[1:] if value.startswith("'") else value


def _csv(rows):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows([map(cell, row) for row in rows])
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
    """The rows of a gradebook.csv as dicts (column name -> text, exactly as written)."""
    with open(path, newline="", encoding="utf-8") as handle:
        return [{uncell(k): uncell(v) for k, v in row.items() if k is not None and v is not None}
                for row in csv.DictReader(handle)]


def _nfc(value):
    return unicodedata.normalize("NFC", (value or "").strip())


def _roster(path):
    """Rows of a Canvas gradebook export, keyed by each of its ID, SIS User ID and SIS Login ID."""
    if path is None:
        return {}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    keyed = {}
    for row in rows:
        for key in ("SIS Login ID", "SIS User ID", "ID"):
            if _nfc(row.get(key)):
                keyed.setdefault(_nfc(row[key]), row)
    return keyed


def write_canvas(path, records, assignment, roster=None):
    """Write canvas.csv, importable in Canvas (Grades > Import).

    Inputs:
    - path: Path to write.
    - records: list of Record.
    - assignment: the Canvas assignment column, e.g. "Homework 2 (12345)" to match an existing one
      (the command line's --canvas-assignment).
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
        match = keyed.get(_nfc(record.student))
        if match is None:
            unmatched += [record.student] if keyed else []
            identity = [record.student, "", "", record.student, ""]
        else:
            identity = [match.get(column) or "" for column in CANVAS_IDENTITY]
        rows.append([*identity, number(record.score)])
    write_atomic(path, _csv(rows))
    return unmatched
