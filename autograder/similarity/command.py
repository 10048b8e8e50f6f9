"""`python -m autograder similarity SUBMISSIONS --out OUT [--threshold T] [--archive DIR]`, and
the call a batch run makes after grading."""
import json
import sys
from pathlib import Path

from . import THRESHOLD, sources


def _entries(folder, exclude=()):
    """(student id, path) of every gradable entry of a submissions folder, and notes on the
    entries left out."""
    from ..batch.entries import discover
    found, _ = discover(folder, exclude=exclude)
    return ([(e.student, e.path) for e in found if not e.problem],
            [f"{e.student}: {e.problem}" for e in found if e.problem])


def _refresh_summary(out):
    """Rewrite OUT/summary.html with the new section when OUT holds a graded class."""
    manifest = Path(out) / "batch.json"
    if not manifest.is_file():
        return
    from ..batch.run import write_class_files
    state = json.loads(manifest.read_text(encoding="utf-8"))
    write_class_files(Path(out), state["students"], None, state.get("refused") or {})


def _run(args):
    from ..batch.entries import EntryError
    try:
        students, refused = _entries(args.submissions, exclude=[args.out])
        archive = []
        for folder in args.archive:
            entries, _ = _entries(folder)
            archive += [(f"{Path(folder).name}/{name}", path) for name, path in entries]
    except EntryError as error:
        print(f"similarity: {error}", file=sys.stderr)
        return 2
    from . import report  # here: the command line loads copydetect only for this command
    assignment = sources.current()
    result = report.compare_class(students, assignment, archive, args.threshold)
    try:
        doc = report.write(args.out, result, assignment.graded)
    except report.OutputError as error:
        print(f"similarity: {error}", file=sys.stderr)
        return 2
    _refresh_summary(args.out)
    for line in refused:
        print(f"  not compared: {line}", file=sys.stderr)
    print(f"similarity: {len(students)} submissions, {doc['compared']['pairs']} pairs, {len(doc['pairs'])} at or "
          f"above {args.threshold:g} in {result.seconds:.1f} s -> {Path(args.out) / report.JSON}")
    return 0


def after_batch(found, out):
    """The similarity report of a class just graded (found: the batch's Entry list), written
    before its summary.html. A failure here is printed and never costs the grading."""
    try:
        from . import report
        assignment = sources.current()
        students = [(e.student, e.path) for e in found if not e.problem]
        report.write(out, report.compare_class(students, assignment), assignment.graded)
    except Exception as error:  # noqa: BLE001 - the grades are written whatever happens here
        print(f"similarity report not written: {type(error).__name__}: {error}", file=sys.stderr)


def _threshold(text):
    value = float(text)
    if not 0 <= value <= 1:
        raise ValueError(text)
    return value


def add_parser(commands):
    """Add `similarity` to the subparsers of the command line."""
    parser = commands.add_parser("similarity", help="rank the pairs of submissions that share code (never changes "
                                 "a score)")
    parser.add_argument("submissions", type=Path, help="folder with one folder or .zip per student, as for batch")
    parser.add_argument("--out", type=Path, required=True, help="output folder (similarity.json, similarity/)")
    parser.add_argument("--threshold", type=_threshold, default=THRESHOLD,
                        help=f"score in [0, 1] from which a pair is listed (default {THRESHOLD:g})")
    parser.add_argument("--archive", type=Path, action="append", default=[], metavar="DIR",
                        help="earlier terms' submissions (one folder or .zip per student), compared with every "
                        "student; may be given more than once")
    parser.set_defaults(run=_run)
