"""Command line: python -m autograder grade SUBMISSION --out DIR (and batch, merge, gradescope-bundle,
reference-cache, adjust, similarity); every command takes --assignment NAME|PATH (assignment.py)."""
import argparse
import sys
from pathlib import Path

from . import assignment, grade, lanes, reference_cache, visibility
from .batch.commands import add_due_date_option, add_time_budget, limits_of


def _add_staff_parsers(commands):
    """The commands other than grade; their modules load only when one of them may run (the
    one-submission command is what every student waits for)."""
    from . import adjust
    from .batch.commands import add_parsers as add_batch_parsers
    from .gradescope.bundle import add_parser as add_bundle_parser
    from .similarity.command import add_parser as add_similarity_parser
    add_batch_parsers(commands)
    add_bundle_parser(commands)
    reference_cache.add_parser(commands)
    adjust.add_parser(commands)
    add_similarity_parser(commands)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m autograder", description="The autograder.")
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("grade", help="grade one submission (folder or .zip)")
    one.add_argument("submission", help="a folder with the module files, the package's folder, or a .zip of either")
    one.add_argument("--out", required=True, help="folder for results.json and report.md")
    add_time_budget(one)
    one.add_argument("--lanes", type=int, metavar="N",
                     help="sandboxed children that grade this submission's tests at once (default: one per "
                          f"processor this process may use, at most {lanes.MAX_AUTO}; the same lanes give the same "
                          "score)")
    add_due_date_option(one, "results.json's top-level output")
    if argv[:1] != ["grade"]:
        _add_staff_parsers(commands)
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
    if args.lanes is not None and args.lanes < 1:
        print(f"{parser.prog}: --lanes must be at least 1", file=sys.stderr)
        return 2
    limits = limits_of(args)
    cpus = lanes.processors(args.lanes or lanes.usable(limits))
    try:
        document = grade.grade_to(args.submission, args.out, limits, lanes=cpus,
                                  due_passed=visibility.due_date_passed(args.due_date))
    except Exception as error:  # noqa: BLE001 - one line for whoever runs the grader
        print(f"grading failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    print(f"{args.submission}: {document['score']:g} / {sum(t['max_score'] for t in document['tests']):g} "
          f"in {document['execution_time']:.2f} s -> {args.out}/results.json")
    return 0
