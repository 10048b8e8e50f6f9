"""The `batch` and `merge` subcommands of `python -m autograder` (see README, "For TAs")."""
import argparse
import sys
from pathlib import Path

from .. import visibility
from ..sandbox.limits import Limits
from . import DEFAULT_TIMEOUT  # not from pool.py: the command line loads no multiprocessing to grade one


def _due_date(text):
    try:
        return visibility.parse_due_date(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_due_date_option(parser, what):
    """--due-date WHEN: graded before it, what (the student's files) counts only the tests visible then."""
    parser.add_argument("--due-date", type=_due_date, metavar="WHEN",
                        help=f"the due date, ISO 8601 (e.g. 2026-03-01T23:59:00-05:00): graded before it, {what} "
                        "summarises only the visible tests and says how many more are shown after it "
                        "(default: no due date, everything is shown)")


def add_time_budget(parser):
    """--time-budget SECONDS: wall clock for all of one submission's calls together."""
    parser.add_argument("--time-budget", type=float, default=Limits.total_seconds, metavar="SECONDS",
                        help="wall clock for all of one submission's calls together; past it the remaining tests "
                             f"fail with a timeout (default {Limits.total_seconds:g})")


def limits_of(args):
    """The sandbox's Limits for the parsed options."""
    if not args.time_budget > 0:
        raise SystemExit("--time-budget must be positive")
    return Limits(total_seconds=args.time_budget)


def _printable(text):
    from .progress import printable  # here: grading one upload loads no batch or report code
    return printable(text)


def _canvas(args):
    """write_canvas's options, or None without --canvas; checked before any grading starts."""
    if args.roster is not None and not args.roster.is_file():
        raise ValueError(f"--roster {args.roster}: no such file")
    if args.roster is not None and not args.canvas:
        raise ValueError("--roster is used only with --canvas")
    if not args.canvas:
        return None
    from ..assignment import current
    return {"assignment": args.canvas_assignment or current().name, "roster": args.roster}


def _add_canvas_options(parser):
    parser.add_argument("--canvas", action="store_true", help="also write OUT/canvas.csv for Canvas's grade import")
    parser.add_argument("--canvas-assignment", default=None, metavar="NAME",
                        help='Canvas assignment column (default the assignment\'s name; use "Name (id)" to match an '
                             'existing one)')
    parser.add_argument("--roster", type=Path, metavar="CSV",
                        help="a Canvas gradebook export: students are matched by SIS Login ID, SIS User ID or ID")


def _batch(args):
    from .entries import EntryError, parse_shard
    from .run import BatchError, grade_class
    try:
        shard = parse_shard(args.shard) if args.shard else None
        tally = grade_class(args.submissions, args.out, jobs=args.jobs, force=args.force, shard=shard,
                            timeout=args.timeout, canvas=_canvas(args), limits=limits_of(args),
                            due_passed=visibility.due_date_passed(args.due_date))
    except (ValueError, EntryError, BatchError) as error:
        print(_printable(f"batch: {error}"), file=sys.stderr)  # errors name students' files
        return 2
    except KeyboardInterrupt:
        print("\nbatch: interrupted; every submission graded so far is kept, and running the same command "
              "again grades only the rest", file=sys.stderr)
        return 130
    return tally.exit_code


def _merge(args):
    from .run import BatchError, merge
    try:
        merge(args.shards, args.out, canvas=_canvas(args), allow_missing=args.allow_missing,
              allow_duplicates=args.allow_duplicates, allow_mixed=args.allow_mixed_graders)
    except (ValueError, BatchError) as error:
        print(_printable(f"merge: {error}"), file=sys.stderr)
        return 2
    return 0


def add_parsers(commands):
    """Add `batch` and `merge` to the subparsers of the command line."""
    batch = commands.add_parser("batch", help="grade every submission of a folder (one folder or .zip per student)")
    batch.add_argument("submissions", type=Path, help="folder with one folder or .zip per student, named after them")
    batch.add_argument("--out", type=Path, required=True, help="output folder (per-student folders, gradebook.csv, "
                       "summary.html)")
    batch.add_argument("--jobs", type=int, default=None, help="submissions graded at a time (default: one per core)")
    batch.add_argument("--force", action="store_true", help="regrade submissions already graded and unchanged")
    batch.add_argument("--shard", metavar="K/N", help="grade only the K-th of N deterministic shards (1 <= K <= N)")
    batch.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                       help=f"seconds for one submission before it is stopped (default {DEFAULT_TIMEOUT:g})")
    add_time_budget(batch)
    add_due_date_option(batch, "each student's report.html and results.json output")
    _add_canvas_options(batch)
    batch.set_defaults(run=_batch)
    merge = commands.add_parser("merge", help="combine the output folders of shards into one")
    merge.add_argument("shards", type=Path, nargs="+", help="the --out folders of the shards")
    merge.add_argument("--out", type=Path, required=True, help="merged output folder")
    merge.add_argument("--allow-missing", action="store_true",
                       help="merge even if some shards are missing or did not finish (a warning names them)")
    merge.add_argument("--allow-duplicates", action="store_true",
                       help="merge even if a shard is given twice (a student's last folder given wins)")
    merge.add_argument("--allow-mixed-graders", action="store_true",
                       help="merge even if the shards were graded by different versions of the grader")
    _add_canvas_options(merge)
    merge.set_defaults(run=_merge)
