"""What a student may see of a result, and when: Gradescope's test visibility, honoured by the grader.

A test is shown to the student when its visibility is "visible", or "after_due_date" once the
due date has passed; "after_published" and "hidden" tests are never shown by anything the
grader writes for students (Gradescope shows the former itself once grades are published).
Whatever a student sees (results.json's top-level output, the notes inside visible tests, the
HTML report) summarises only the tests shown at the time it was written; the staff's files
(report.md, extra_data, the gradebook) hold everything.
"""
import copy
from datetime import datetime

# How late each visibility is shown: a test may mention another test's failure only if the
# other is shown no later than itself (or is shown already).
ORDER = {"visible": 0, "after_due_date": 1, "after_published": 2, "hidden": 3}
WHEN = {"after_due_date": "shown after the due date", "after_published": "shown when grades are published",
        "hidden": "never shown"}


def parse_due_date(text):
    """A due date from ISO 8601 text ("2026-03-01T23:59:00-05:00"; without a zone, local time).

    Returns: an aware datetime. Raises ValueError with a sentence if text is not a date.
    """
    try:
        when = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(f"due date {text!r} is not an ISO 8601 date, e.g. 2026-03-01T23:59:00-05:00") from None
    return when if when.tzinfo is not None else when.astimezone()


def due_date_passed(due, now=None):
    """Whether due (an aware datetime, or None when there is none) has passed at now (default: now).
    No due date means there is nothing to wait for: the result is for after the due date."""
    if due is None:
        return True
    return (now or datetime.now(due.tzinfo)) >= due


def shown(visibility, due_passed):
    """Whether a student sees a test of this visibility, before (due_passed False) or after the due date."""
    return visibility == "visible" or (visibility == "after_due_date" and due_passed)


def may_mention(test_visibility, other_visibility, due_passed):
    """Whether a test's output may name another test (e.g. a failing one it depends on): only if
    the student sees the other one no later than this one."""
    return shown(other_visibility, due_passed) or ORDER[other_visibility] <= ORDER[test_visibility]


def may_carry_on(visibility):
    """Whether a student's process that ran tests of this visibility may go on to run tests of
    another: only after visible tests, whose inputs and outputs the student sees anyway. After any
    other, what its inputs left in the process could reach a test shown sooner."""
    return visibility == "visible"


def withheld(tests, due_passed):
    """Sentence on the tests not shown now, e.g. "19 more tests are shown after the due date"; "" if none.

    Input: tests, list of results.json test dicts (with "visibility")."""
    counts = {}
    for test in tests:
        visibility = test.get("visibility", "visible")
        if not shown(visibility, due_passed):
            counts[visibility] = counts.get(visibility, 0) + 1
    parts = [f"{count} more test{'s' if count != 1 else ''} {'are' if count != 1 else 'is'} {WHEN[visibility]}"
             for visibility, count in sorted(counts.items(), key=lambda item: ORDER[item[0]])]
    if len(parts) > 1:
        parts = [", ".join(parts[:-1]) + " and " + parts[-1]]
    return parts[0] if parts else ""


def student_view(document, due_passed):
    """The part of a results document a student may see: a deep copy holding only the tests shown,
    its score their sum, and the notes of failures they depend on limited to shown tests.
    extra_data["withheld"] holds the sentence of withheld(); the staff's document is unchanged.
    """
    view = copy.deepcopy(document)
    tests = [t for t in view.get("tests", []) if shown(t.get("visibility", "visible"), due_passed)]
    failing = {t["tags"][0] for t in tests if t.get("status") == "failed" and t.get("tags")}
    for test in tests:
        depends = test.get("extra_data", {}).get("depends_on_failed")
        if depends:
            test["extra_data"]["depends_on_failed"] = [name for name in depends if name in failing]
    view["tests"] = tests
    view["score"] = round(sum(t["score"] for t in tests), 4)
    view.setdefault("extra_data", {})["withheld"] = withheld(document.get("tests", []), due_passed)
    return view
