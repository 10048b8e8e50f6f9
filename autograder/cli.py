"""Command line: python -m autograder grade SUBMISSION --out DIR (and batch, merge, gradescope-bundle)."""
import argparse
import sys

from . import grade
from .sandbox.limits import Limits
from .batch.commands import add_parsers as add_batch_parsers
from .gradescope.bundle import add_parser as add_bundle_parser


def add_time_budget(parser):
    """The --time-budget option of the commands that grade."""
    parser.add_argument("--time-budget", type=float, default=Limits.total_seconds, metavar="SECONDS",
                        help="wall clock for all of one submission's calls together; past it the remaining tests "
                             f"fail with a timeout (default {Limits.total_seconds:g})")


def limits_of(args):
    """The sandbox's Limits for the parsed options."""
    if not args.time_budget > 0:
        raise SystemExit("--time-budget must be positive")
    return Limits(total_seconds=args.time_budget)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description="The gradlab autograder.")
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("grade", help="grade one submission (folder or .zip)")
    one.add_argument("submission", help="a folder with the module files, a gradlab/ package, or a .zip of either")
    one.add_argument("--out", required=True, help="folder for results.json and report.md")
    add_time_budget(one)
    add_batch_parsers(commands)
    add_bundle_parser(commands)
    args = parser.parse_args(argv)
    if args.command != "grade":
        return args.run(args)
    try:
        document = grade.grade_to(args.submission, args.out, limits_of(args))
    except Exception as error:  # noqa: BLE001 - one line for whoever runs the grader
        print(f"grading failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    print(f"{args.submission}: {document['score']:g} / {sum(t['max_score'] for t in document['tests']):g} "
          f"in {document['execution_time']:.2f} s -> {args.out}/results.json")
    return 0
