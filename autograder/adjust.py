"""Applying OUT/adjustments.csv to a class (gradebook records, the students' reports), and the
`adjust` command that records one. The file's format and the rules are in adjustments.py."""
import hashlib
import json
from dataclasses import replace
from pathlib import Path

from .adjustments import FILE, STAMP, TOTAL, AdjustmentError, append, apply, describe, make, read
from .results import write_atomic


def _digest(path):
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _rerender(folder, student, document, applied):
    """Rewrite folder's report.md and report.html from document, unless they already show exactly
    applied (recorded in folder/adjusted.json with report.md's SHA-256)."""
    from .report import html, markdown
    stamp = folder / STAMP
    try:
        previous = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        previous = None
    if previous is None and not applied:
        return
    if previous is not None and previous.get("adjustments") == applied \
            and previous.get("report_sha256") == _digest(folder / "report.md"):
        return
    try:
        state = json.loads((folder / "grading.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = {}
    write_atomic(folder / "report.md", markdown.report(document))
    html.write_report(document, student, folder / "report.html", due_passed=state.get("due_date_passed", True))
    if applied:
        write_atomic(stamp, json.dumps({"adjustments": applied, "report_sha256": _digest(folder / "report.md")},
                                       indent=1) + "\n")
    else:
        stamp.unlink(missing_ok=True)


def apply_to_class(out, records):
    """Apply OUT/adjustments.csv to the gradebook's records and the students' reports.

    Inputs:
    - out: Path of the batch's output folder.
    - records: list of gradebook.Record (their results as the grader wrote them).

    Returns: (list of Record with adjusted results, list of problem sentences, column): column
    is None without adjustments.csv, else a dict student -> text for the gradebook's
    adjustments column. A record's message gains its problems (summary.html's Note column).
    A malformed adjustments.csv (batch and merge refuse one before they start) applies none, and
    says so in problems.
    """
    out = Path(out)
    try:
        adjustments = read(out / FILE)
    except AdjustmentError as error:  # edited since the batch checked it: the class files are written all the same
        return records, [f"none applied: {error}"], None
    by_student = {}
    for adjustment in adjustments:
        by_student.setdefault(adjustment.student, []).append(adjustment)
    known = {record.student for record in records}
    problems = [f"{student}: {len(found)} adjustment(s) not applied: no such student in this output"
                for student, found in by_student.items() if student not in known]
    adjusted, column = [], {}
    for record in records:
        own = by_student.get(record.student, [])
        if record.results is None:
            if own:
                problems.append(f"{record.student}: {len(own)} adjustment(s) not applied: not graded ({record.status})")
                column[record.student] = problems[-1]
            adjusted.append(record)
            continue
        document, mine = apply(record.results, own)
        problems += mine
        _rerender(out / record.student, record.student, document if own else record.results,
                  document["extra_data"]["adjustments"])
        message = "; ".join(x for x in (record.message, *mine) if x)
        adjusted.append(replace(record, message=message, results=document if own else record.results))
        column[record.student] = "; ".join([describe(e) for e in document["extra_data"]["adjustments"]] + mine)
    return adjusted, problems, (column if (out / FILE).is_file() else None)


def _command(args):
    """`adjust OUT --student S --test ID (--delta D | --points P) --reason R --by B`."""
    import sys
    from datetime import date

    from .batch import names
    from .report.gradebook import load_record
    out = Path(args.out)
    try:
        if not (out / "batch.json").is_file():
            raise AdjustmentError(f"{out} is not the output folder of a batch (it has no batch.json)")
        adjustment = make(args.student, args.test, args.points, args.delta, args.reason, args.by,
                          args.when or date.today().isoformat(), where="adjust")
        problem = names.unsafe(adjustment.student)
        if problem:  # never a path outside OUT
            raise AdjustmentError(f"--student {adjustment.student!r}: {problem}")
        record = load_record(out / adjustment.student, adjustment.student)
        if record.results is None:
            raise AdjustmentError(f"{adjustment.student} has no graded results in {out} "
                                  f"({record.message or record.status})")
        ids = [t["extra_data"]["id"] for t in record.results["tests"]]
        if adjustment.test not in ids + [TOTAL]:
            raise AdjustmentError(f"{adjustment.student}'s results have no test {adjustment.test!r}; "
                                  f"use a rubric id ({', '.join(ids[:4])}, ...) or {TOTAL!r}")
        append(out / FILE, adjustment)
    except (AdjustmentError, OSError) as error:
        print(f"adjust: {error}", file=sys.stderr)
        return 2
    print(f"recorded in {out / FILE}: {adjustment.student}, {adjustment.test}; run the same batch command "
          "(or `make grade`) again to apply it: nothing is regraded")
    return 0


def add_parser(commands):
    """Add `adjust` to the subparsers of the command line."""
    parser = commands.add_parser("adjust", help="record a TA's adjustment of one student's score (OUT/adjustments.csv)")
    parser.add_argument("out", help="the batch's output folder (--out of `batch`)")
    parser.add_argument("--student", required=True, help="the student's id (their folder in OUT)")
    parser.add_argument("--test", required=True, help=f"a rubric test id, or {TOTAL!r} for the whole score")
    change = parser.add_mutually_exclusive_group(required=True)
    change.add_argument("--delta", type=float, help="points to add (negative to take away)")
    change.add_argument("--points", type=float, help="the new points")
    parser.add_argument("--reason", required=True, help="why (the student sees it in report.html)")
    parser.add_argument("--by", required=True, help="who made the adjustment")
    parser.add_argument("--when", help="ISO date (default today)")
    parser.set_defaults(run=_command)
