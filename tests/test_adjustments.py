"""A TA's adjustments (OUT/adjustments.csv, `adjust`): applied to the gradebook, canvas.csv and the
student's reports, never to results.json, kept across regrades, and reported when they cannot apply."""
import csv
import hashlib
import shutil

import pytest

from autograder import adjustments, cli
from autograder.adjustments import AdjustmentError
from autograder.batch import run
from autograder.report import gradebook
from mutate import ROOT

EXAMPLES = ROOT / "examples" / "submissions"


def results(*scores):
    """A results document with tests a, b, ... of max_score 4 and the given scores."""
    tests = [{"name": name, "score": score, "max_score": 4, "status": "failed", "visibility": "visible",
              "tags": [name], "output": "", "extra_data": {"id": name}} for name, score in zip("abc", scores)]
    return {"score": sum(scores), "execution_time": 1.0, "output": "", "tests": tests, "extra_data": {"notes": []}}


def adj(test, points=None, delta=None, line=2):
    return adjustments.make("s", test, points, delta, "regrade request", "ta", "2026-03-02", line)


def test_test_and_total_adjustments_apply_in_order_and_are_bounded():
    original = results(1.0, 3.0)
    adjusted, problems = adjustments.apply(original, [adj("a", delta=2), adj("b", points=4.0), adj("total", delta=-1),
                                                      adj("a", delta=10)])
    assert problems == []
    assert [t["score"] for t in adjusted["tests"]] == [4.0, 4.0]
    assert adjusted["score"] == 7.0  # 4 + 4, then the total's -1
    applied = adjusted["extra_data"]["adjustments"]
    assert [(e["test"], e["from"], e["to"]) for e in applied] == [("a", 1, 3), ("b", 3, 4), ("a", 3, 4),
                                                                  ("total", 8, 7)]
    assert "kept between 0 and 4 (asked 13)" in applied[2]["note"]
    assert original["score"] == 4.0 and original["tests"][0]["score"] == 1.0  # the grader's record is untouched
    assert adjustments.describe(applied[0]) == "a: 1 -> 3 (+2): regrade request (by ta, 2026-03-02)"


def test_an_adjustment_of_a_test_no_longer_in_the_results_is_reported():
    adjusted, problems = adjustments.apply(results(1.0), [adj("gone", delta=1, line=5)])
    assert adjusted["score"] == 1.0
    assert problems == ["s: the adjustment of gone (adjustments.csv line 5) was not applied: the results have no "
                        "such test (a rubric change?)"]


def test_the_file_round_trips_and_keeps_formulas_out(tmp_path):
    path = tmp_path / adjustments.FILE
    first = adjustments.make("=HYPERLINK(1)", "total", None, -2.5, "=cmd|' /C calc'!A0", "@ta")
    adjustments.append(path, first)
    adjustments.append(path, adjustments.make("bob", "a", 3.0, None, "late regrade", "ta", "2026-03-02"))
    text = path.read_text()
    assert "\"'=HYPERLINK(1)\"" in text and "\"'-2.5\"" in text and "\"'@ta\"" in text
    read = adjustments.read(path)
    assert [(a.student, a.test, a.points, a.delta, a.reason, a.by, a.line) for a in read] == [
        ("=HYPERLINK(1)", "total", None, -2.5, "=cmd|' /C calc'!A0", "@ta", 2), ("bob", "a", 3.0, None, "late regrade",
                                                                                   "ta", 3)]


@pytest.mark.parametrize("row, message", [
    ('"s","a","1","2","r","ta",""', "exactly one of points and delta"),
    ('"s","a","","","r","ta",""', "exactly one of points and delta"),
    ('"s","a","x","","r","ta",""', "points 'x' is not a number"),
    ('"s","a","-1","","r","ta",""', "points must be at least 0"),
    ('"s","a","","nan","r","ta",""', "finite"),
    ('"s","a","","1","","ta",""', "reason is empty"),
])
def test_a_malformed_row_is_refused_with_its_line(tmp_path, row, message):
    path = tmp_path / adjustments.FILE
    path.write_text("student,test,points,delta,reason,by,when\n" + row + "\n")
    with pytest.raises(AdjustmentError, match=f"line 2: .*{message}"):
        adjustments.read(path)
    path.write_text("student,test,delta\n")
    with pytest.raises(AdjustmentError, match="missing columns"):
        adjustments.read(path)


@pytest.fixture
def graded_class(tmp_path):
    """Two examples graded by a batch: (submissions folder, OUT)."""
    folder, out = tmp_path / "class", tmp_path / "out"
    for name in ("empty", "half_finished"):
        shutil.copytree(EXAMPLES / name, folder / name)
    assert run.grade_class(folder, out, jobs=2, canvas={}).graded == ["empty", "half_finished"]
    return folder, out


def rows(out, name=gradebook.GRADEBOOK):
    return {row.get("id") or row.get("SIS Login ID"): row for row in gradebook.read(out / name)}


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_adjust_then_rebatch_applies_everywhere_but_results_json(graded_class, capsys):
    folder, out = graded_class
    before = rows(out)["half_finished"]
    results_sha = sha(out / "half_finished" / "results.json")
    assert cli.main(["adjust", str(out), "--student", "half_finished", "--test", "softmax_loss.values",
                     "--points", "0", "--reason", "copied from the handout's example", "--by", "ta1"]) == 0
    assert cli.main(["adjust", str(out), "--student", "half_finished", "--test", "total", "--delta", "1.5",
                     "--reason", "good report", "--by", "ta2", "--when", "2026-03-04"]) == 0
    assert "nothing is regraded" in capsys.readouterr().out
    tally = run.grade_class(folder, out, jobs=2, canvas={})
    assert tally.graded == [] and tally.skipped == ["empty", "half_finished"]
    after = rows(out)["half_finished"]
    points = float(before["softmax_loss.values"])
    assert points > 0 and float(after["softmax_loss.values"]) == 0
    assert float(after["total"]) == pytest.approx(float(before["total"]) - points + 1.5)
    assert "copied from the handout's example (by ta1" in after["adjustments"]
    assert rows(out)["empty"]["adjustments"] == ""
    assert float(rows(out, gradebook.CANVAS)["half_finished"]["gradlab"]) == pytest.approx(float(after["total"]))
    assert sha(out / "half_finished" / "results.json") == results_sha  # the grader's record stays
    report = (out / "half_finished" / "report.md").read_text()
    assert "## Adjustments" in report and "total: " in report and "good report (by ta2, 2026-03-04)" in report
    page = (out / "half_finished" / "report.html").read_text()
    assert "Adjustments by the course staff" in page and "copied from the handout&#x27;s example" in page
    assert "total: +1.5: good report (by ta2, 2026-03-04)" in page  # the change only: the total counts hidden tests
    assert "Adjustments" not in (out / "empty" / "report.md").read_text()

    # A regrade (a changed grader, a rubric change: FORCE) writes fresh reports; the adjustments come back.
    run.grade_class(folder, out, jobs=2, force=True, canvas={})
    assert rows(out)["half_finished"]["total"] == after["total"]
    assert "## Adjustments" in (out / "half_finished" / "report.md").read_text()

    # Taken out of the file, they leave the reports and the gradebook.
    (out / adjustments.FILE).write_text("student,test,points,delta,reason,by,when\n")
    run.grade_class(folder, out, jobs=2, canvas={})
    assert rows(out)["half_finished"]["total"] == before["total"]
    assert "Adjustments" not in (out / "half_finished" / "report.md").read_text()
    assert not (out / "half_finished" / adjustments.STAMP).exists()


def test_adjustments_that_cannot_apply_are_reported_not_dropped(graded_class, capsys):
    folder, out = graded_class
    with open(out / adjustments.FILE, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(adjustments.COLUMNS)
        writer.writerow(["half_finished", "softmax_loss.removed", "", "-2", "rubric v1 test", "ta", ""])
        writer.writerow(["nobody", "total", "", "1", "typo in the id", "ta", ""])
    capsys.readouterr()
    run.grade_class(folder, out, jobs=2)
    closing = capsys.readouterr().err
    assert "adjustment: half_finished: the adjustment of softmax_loss.removed (adjustments.csv line 2) was not " \
           "applied: the results have no such test" in closing
    assert "adjustment: nobody: 1 adjustment(s) not applied: no such student" in closing
    assert "softmax_loss.removed" in rows(out)["half_finished"]["adjustments"]
    assert "softmax_loss.removed" in (out / "summary.html").read_text()


def test_the_adjust_command_refuses_what_it_cannot_apply(graded_class, capsys):
    _, out = graded_class
    base = ["adjust", str(out), "--reason", "r", "--by", "ta", "--delta", "1"]
    assert cli.main(base + ["--student", "half_finished", "--test", "no.such"]) == 2
    assert "have no test 'no.such'" in capsys.readouterr().err
    assert cli.main(base + ["--student", "nobody", "--test", "total"]) == 2
    assert "nobody has no graded results" in capsys.readouterr().err
    assert cli.main(["adjust", str(out.parent), "--student", "s", "--test", "total", "--delta", "1", "--reason", "r",
                     "--by", "ta"]) == 2
    assert "has no batch.json" in capsys.readouterr().err
    assert cli.main(base + ["--student", "../out", "--test", "total"]) == 2
    assert "--student '../out'" in capsys.readouterr().err
    assert not (out / adjustments.FILE).exists()


def test_a_malformed_adjustments_file_stops_the_batch_before_grading(graded_class):
    folder, out = graded_class
    (out / adjustments.FILE).write_text("student,test,points,delta,reason,by\ns,a,1,1,r,ta\n")
    with pytest.raises(AdjustmentError, match="line 2"):
        run.grade_class(folder, out, jobs=2, force=True)
    # Edited while a batch runs, past its check: the class files are still written, and say why.
    problems = run.write_class_files(out, ["empty", "half_finished"])
    assert len(problems) == 1 and problems[0].startswith("none applied: ") and "line 2" in problems[0]
    assert rows(out)["empty"]["status"] == "graded" and "adjustments" not in rows(out)["empty"]


def test_merge_applies_the_merged_outputs_adjustments(tmp_path):
    folder = tmp_path / "class"
    for name in ("empty", "half_finished"):
        shutil.copytree(EXAMPLES / name, folder / name)
    shards = [tmp_path / f"shard{k}" for k in (1, 2)]
    for k, shard in enumerate(shards, 1):
        run.grade_class(folder, shard, jobs=1, shard=(k, 2))
    merged = tmp_path / "merged"
    merged.mkdir()
    adjustments.append(merged / adjustments.FILE, adjustments.make("empty", "total", 5.0, None, "oral exam", "ta"))
    run.merge(shards, merged)
    assert rows(merged)["empty"]["total"] == "5" and "oral exam" in rows(merged)["empty"]["adjustments"]
    assert "## Adjustments" in (merged / "empty" / "report.md").read_text()
    assert rows(merged)["half_finished"]["adjustments"] == ""


# Fixes from the review of the policies (issue 16)


@pytest.fixture
def fake_out(tmp_path):
    """An OUT of graded students (no grading: results.json and grading.json written here), and a
    function that reads gradebook.csv's totals after write_class_files."""
    import json
    out = tmp_path / "out"
    out.mkdir()
    (out / "batch.json").write_text("{}")
    students = ["bob", " bob", "bob "]
    for student in students:
        data = json.dumps({**results(2.0), "output_format": "md"}).encode()
        (out / student).mkdir()
        (out / student / "results.json").write_bytes(data)
        (out / student / "report.md").write_text("# r\n")
        (out / student / "grading.json").write_text(json.dumps({
            "status": "graded", "results_sha256": hashlib.sha256(data).hexdigest(), "due_date_passed": True}))

    def totals():
        problems = run.write_class_files(out, students)
        return {student: row["total"] for student, row in rows(out).items()}, problems
    return out, totals


def test_ids_are_never_stripped(fake_out):
    out, totals = fake_out
    assert cli.main(["adjust", str(out), "--student", " bob", "--test", "a", "--points", "0", "--reason", "copied",
                     "--by", "ta"]) == 0
    assert [a.student for a in adjustments.read(out / adjustments.FILE)] == [" bob"]
    assert totals()[0] == {"bob": "2", " bob": "0", "bob ": "2"}


def test_adjust_appends_in_the_files_own_column_order(fake_out):
    out, totals = fake_out
    (out / adjustments.FILE).write_text('"student","test","delta","points","reason","by","when"\n'
                                        '"bob ","a","0","","typo fix","ta",""\n')
    assert cli.main(["adjust", str(out), "--student", " bob", "--test", "a", "--points", "3", "--reason", "set to 3",
                     "--by", "ta", "--when", "2026-03-02"]) == 0
    last = adjustments.read(out / adjustments.FILE)[-1]
    assert (last.student, last.points, last.delta, last.when) == (" bob", 3.0, None, "2026-03-02")
    assert totals()[0][" bob"] == "3"


@pytest.mark.parametrize("data, message", [
    ("student,test,points,delta,reason,by,when\nbob,a,,-2,caf\xe9 copied,ta,\n".encode("cp1252"), "not UTF-8"),
    (f'student,test,points,delta,reason,by,when\nbob,a,,-2,"{"x" * 140000}",ta,\n'.encode(), "field larger"),
])
def test_a_file_csv_cannot_read_is_refused_with_its_line_and_the_class_files_still_written(fake_out, data, message):
    out, totals = fake_out
    (out / adjustments.FILE).write_bytes(data)
    with pytest.raises(AdjustmentError, match=f"{adjustments.FILE}, line 2: {message}"):
        adjustments.read(out / adjustments.FILE)
    written, problems = totals()  # as when the file changes during a batch, past its check
    assert written["bob"] == "2" and problems[0].startswith("none applied: ") and message in problems[0]
    assert (out / "summary.html").is_file()


@pytest.mark.parametrize("change", ["--delta=nan", "--delta=inf", "--points=-inf"])
def test_adjust_refuses_numbers_that_are_not_finite(fake_out, capsys, change):
    out, _ = fake_out
    assert cli.main(["adjust", str(out), "--student", "bob", "--test", "total", change, "--reason", "x",
                     "--by", "ta"]) == 2
    assert "must be finite" in capsys.readouterr().err and not (out / adjustments.FILE).exists()


def test_a_total_that_would_overflow_is_not_applied(fake_out):
    out, totals = fake_out
    for reason in ("a", "b"):
        adjustments.append(out / adjustments.FILE, adjustments.make("bob", "total", None, 1e308, reason, "ta"))
    written, problems = totals()
    assert float(written["bob"]) == 1e308 and len(problems) == 1 and "would not be a finite number" in problems[0]
