"""Command line: python -m autograder grade SUBMISSION --out DIR (and batch, merge, gradescope-bundle,
reference-cache); every command takes --assignment NAME|PATH (assignment.py)."""
import argparse
import sys
from pathlib import Path

from . import assignment, grade, reference_cache, visibility
from .batch.commands import add_due_date_option, add_time_budget, limits_of
from .batch.commands import add_parsers as add_batch_parsers
from .gradescope.bundle import add_parser as add_bundle_parser


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description="The autograder.")
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("grade", help="grade one submission (folder or .zip)")
    one.add_argument("submission", help="a folder with the module files, the package's folder, or a .zip of either")
    one.add_argument("--out", required=True, help="folder for results.json and report.md")
    add_time_budget(one)
    add_due_date_option(one, "results.json's top-level output")
    add_batch_parsers(commands)
    add_bundle_parser(commands)
    reference_cache.add_parser(commands)
    for command in commands.choices.values():
        assignment.add_option(command)
    args = parser.parse_args(argv)
    try:
        assignment.use(args.assignment)
    except assignment.AssignmentError as error:
        print(f"{parser.prog}: {error}", file=sys.stderr)
        return 2
    if args.command != "grade":
        return args.run(args)
    if not Path(args.submission).exists():  # the TA's typo, not the student's upload: nothing to grade
        print(f"grading failed: {args.submission} does not exist", file=sys.stderr)
        return 2
    try:
        document = grade.grade_to(args.submission, args.out, limits_of(args),
                                  due_passed=visibility.due_date_passed(args.due_date))
    except Exception as error:  # noqa: BLE001 - one line for whoever runs the grader
        print(f"grading failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    print(f"{args.submission}: {document['score']:g} / {sum(t['max_score'] for t in document['tests']):g} "
          f"in {document['execution_time']:.2f} s -> {args.out}/results.json")
    return 0
