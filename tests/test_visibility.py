"""What a student sees honours each test's visibility: before the due date nothing a student sees
(results.json's top-level output, the visible tests, report.html) tells of the tests shown after
it; after it, everything; the staff (report.md, extra_data, the gradebook) always see all.

The submission under test fails only a test hidden until the due date: the reference with a
wrong mse_loss gradient (its value is right, so only the gradient check catches it).
"""
import csv
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from autograder import grade, visibility
from autograder.gradescope import metadata
from autograder.report import html, markdown
from mutate import ROOT, copy_reference
from results_schema import validate as validate_results

HIDDEN_BUG = ("losses", "return float(np.sum(diff ** 2) / (2 * N)), diff / N",
              "return float(np.sum(diff ** 2) / (2 * N)), diff / N + 1e-3")
HIDDEN_TEST = "mse_loss: gradient check"
FUTURE = (datetime.now(timezone.utc) + timedelta(days=30)).isoformat()
PAST = (datetime.now(timezone.utc) - timedelta(days=30)).isoformat()


def student_sees(document):
    """What Gradescope shows before the due date: the top-level output and the visible tests."""
    return document["output"], [(t["name"], t["score"], t["status"], t["output"]) for t in document["tests"]
                                if t["visibility"] == "visible"]


@pytest.fixture(scope="module")
def upload(tmp_path_factory):
    return copy_reference(tmp_path_factory.mktemp("hidden_bug"), [HIDDEN_BUG])


@pytest.fixture(scope="module")
def before(upload):
    return grade.grade(upload, due_passed=False)[0]


@pytest.fixture(scope="module")
def after(upload):
    return grade.grade(upload, due_passed=True)[0]


@pytest.fixture(scope="module")
def reference_before():
    return grade.grade(ROOT / "solutions", due_passed=False)[0]


def test_the_submission_fails_only_a_test_hidden_until_the_due_date(after):
    failed = [t for t in after["tests"] if t["status"] != "passed"]
    assert [(t["name"], t["visibility"]) for t in failed] == [(HIDDEN_TEST, "after_due_date")]


def test_before_the_due_date_the_student_sees_what_a_correct_submission_shows(before, reference_before):
    validate_results(before)
    assert student_sees(before) == student_sees(reference_before)
    hidden = sum(t["visibility"] != "visible" for t in before["tests"])
    visible = [t for t in before["tests"] if t["visibility"] == "visible"]
    points = sum(t["max_score"] for t in visible)
    assert before["output"] == (f"**Visible tests: {points:g} / {points:g}**: {len(visible)} of {len(visible)} "
                                f"passed; {hidden} more tests are shown after the due date.")
    assert HIDDEN_TEST not in before["output"] and "/ 100" not in before["output"]


def test_after_the_due_date_the_output_counts_every_test(after):
    total = len(after["tests"])
    assert after["output"] == f"**Score: {after['score']:g} / 100**: {total - 1} of {total} tests passed."
    assert after["score"] < 100


def test_the_staff_see_everything_before_the_due_date(before, after):
    assert before["score"] == after["score"] < 100  # Gradescope hides the total itself while tests are hidden
    assert [t["extra_data"] for t in before["tests"]] == [t["extra_data"] for t in after["tests"]]
    report = markdown.report(before)
    assert f"**Score: {before['score']:g} / 100**" in report and f"### {HIDDEN_TEST}" in report
    assert "| after_due_date |" in report


def test_the_html_report_before_the_due_date_shows_only_visible_tests(before):
    page = html.student_report(before, "ada", due_passed=False)
    assert HIDDEN_TEST not in page and "after_due_date" not in page
    assert "Every test passed." in page and "Visible tests: 53 / 53" in page
    assert "19 more tests are shown after the due date" in page
    assert "No training run finished" in page  # the convergence runs are hidden until the due date
    later = html.student_report(before, "ada", due_passed=True)
    assert HIDDEN_TEST in later and "more tests are shown" not in later
    assert html.student_report(before, "ada") == later  # without a due date: everything


def test_a_visible_test_names_no_failure_hidden_until_the_due_date():
    graded = [
        {"name": "Var.backward: chain rule", "visibility": "after_due_date", "status": "failed", "score": 0,
         "tags": ["Var.backward", "Var"], "output": "", "extra_data": {}},
        {"name": "Var: operators", "visibility": "visible", "status": "failed", "score": 0,
         "tags": ["Var", "Var.backward"], "output": "", "extra_data": {}},
    ]
    for due_passed, named in ((False, False), (True, True)):
        tests = [dict(t, extra_data={}) for t in graded]
        grade._explain_dependencies(tests, due_passed)
        assert ("Var.backward: chain rule" in tests[1]["output"]) is named
        assert tests[1]["extra_data"]["depends_on_failed"] == ["Var.backward"]  # the staff's record
        assert "Var (failed 'Var: operators')" in tests[0]["output"]  # a hidden test may name a visible one
        view = visibility.student_view({"score": 0, "tests": tests, "extra_data": {}}, due_passed)
        assert [t["extra_data"]["depends_on_failed"] for t in view["tests"]][-1] == (["Var.backward"] if named
                                                                                    else [])


def test_withheld_counts_each_kind_of_visibility():
    tests = [{"visibility": v} for v in ("visible", "after_due_date", "after_due_date", "hidden", "after_published")]
    assert visibility.withheld(tests, False) == ("2 more tests are shown after the due date, 1 more test is "
                                                 "shown when grades are published and 1 more test is never shown")
    assert visibility.withheld(tests, True) == "1 more test is shown when grades are published and 1 more test is " \
                                               "never shown"
    assert visibility.withheld(tests[:1], False) == ""


def test_due_dates_parse_and_compare():
    due = visibility.parse_due_date("2026-03-01T23:59:00-05:00")
    assert visibility.due_date_passed(due, datetime(2026, 3, 2, 5, tzinfo=timezone.utc))
    assert not visibility.due_date_passed(due, datetime(2026, 3, 2, 4, tzinfo=timezone.utc))
    assert visibility.due_date_passed(None)
    assert visibility.parse_due_date("2026-03-01").tzinfo is not None  # no zone: local time
    with pytest.raises(ValueError, match="not an ISO 8601 date"):
        visibility.parse_due_date("next friday")


def test_gradescope_shows_hidden_tests_after_the_students_own_late_due_date():
    now = datetime(2026, 3, 5, tzinfo=timezone.utc)
    meta = {"assignment": {"due_date": "2026-03-01T00:00:00+00:00", "late_due_date": None}}
    assert metadata.due_date_passed(meta, now)
    meta["assignment"]["late_due_date"] = "2026-03-08T00:00:00+00:00"  # late submissions still open
    assert not metadata.due_date_passed(meta, now)
    meta = {"assignment": {"due_date": "2026-03-01T00:00:00+00:00"},
            "users": [{"assignment": {"due_date": "2026-03-10T00:00:00+00:00"}}]}  # an extension
    assert not metadata.due_date_passed(meta, now)
    assert not metadata.due_date_passed(None, now) and not metadata.due_date_passed({"assignment": {}}, now)
    assert not metadata.due_date_passed({"assignment": {"due_date": "soon"}}, now)


def test_the_command_line_takes_the_due_date(upload, tmp_path):
    outputs = {}
    for label, due in (("before", FUTURE), ("after", PAST)):
        done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(upload), "--out",
                               str(tmp_path / label), "--due-date", due], cwd=ROOT, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        outputs[label] = json.loads((tmp_path / label / "results.json").read_text())["output"]
        assert f"### {HIDDEN_TEST}" in (tmp_path / label / "report.md").read_text()
    assert outputs["before"].startswith("**Visible tests: 53 / 53**")
    assert outputs["after"].startswith("**Score: 99 / 100**")
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(upload), "--out", str(tmp_path / "x"),
                           "--due-date", "tomorrow"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "not an ISO 8601 date" in done.stderr


def test_a_batch_before_the_due_date_hides_from_students_only(upload, tmp_path):
    submissions = tmp_path / "class"
    copy_reference(submissions / "ada", [HIDDEN_BUG])
    out = tmp_path / "out"
    command = [sys.executable, "-m", "autograder", "batch", str(submissions), "--out", str(out), "--jobs", "1"]
    done = subprocess.run(command + ["--due-date", FUTURE], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    page = (out / "ada" / "report.html").read_text()
    assert HIDDEN_TEST not in page and "19 more tests are shown after the due date" in page
    assert json.loads((out / "ada" / "results.json").read_text())["output"].startswith("**Visible tests:")
    with open(out / "gradebook.csv", newline="") as handle:
        assert [row["total"] for row in csv.DictReader(handle)] == ["99"]  # the staff's gradebook: everything
    assert HIDDEN_TEST in (out / "ada" / "report.md").read_text()
    # Once the due date has passed, the same command rewrites what the student sees.
    done = subprocess.run(command + ["--due-date", PAST], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert HIDDEN_TEST in (out / "ada" / "report.html").read_text()
