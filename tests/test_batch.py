"""Grading a class: `make grade`, skipping unchanged work, FORCE, shards and merge, failures."""
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import grade, rubric
from autograder.batch import entries, run
from autograder.batch.entries import Entry
from results_schema import validate as validate_results

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "submissions"
STUDENTS = ["backprop_mistakes", "complete", "empty", "half_finished", "renamed_copy"]


def make_grade(out, submissions=EXAMPLES, *variables):
    """`make grade` with this interpreter (the venv is already set up: -o keeps make from redoing it)."""
    return subprocess.run(["make", "-s", "-o", ".venv/.installed", "grade", f"SUBMISSIONS={submissions}",
                           f"OUT={out}", "JOBS=2", f"PY={sys.executable}", *variables],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def gradebook(out):
    with open(out / "gradebook.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def small_class(tmp_path, names=("empty", "half_finished")):
    """A class folder with copies of some examples (the fast ones by default)."""
    folder = tmp_path / "class"
    for name in names:
        source = EXAMPLES / name if (EXAMPLES / name).exists() else EXAMPLES / f"{name}.zip"
        if source.is_dir():
            shutil.copytree(source, folder / name)
        else:
            folder.mkdir(exist_ok=True)
            shutil.copy(source, folder / source.name)
    return folder


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The examples graded once by `make grade`: (OUT, the completed process)."""
    out = tmp_path_factory.mktemp("grade") / "reports"
    done = make_grade(out)
    assert done.returncode == 0, done.stderr
    return out, done


def test_make_grade_writes_every_file(graded):
    out, done = graded
    assert sorted(p.name for p in out.iterdir()) == sorted(STUDENTS + [".batch.lock", "batch.json", "gradebook.csv",
                                                                       "similarity", "similarity.json", "summary.html"])
    for student in STUDENTS:
        folder = out / student
        assert sorted(p.name for p in folder.iterdir()) == ["grading.json", "report.html", "report.md",
                                                            "results.json"]
        validate_results(json.loads((folder / "results.json").read_text()))
        state = json.loads((folder / "grading.json").read_text())
        assert state["status"] == "graded" and state["student"] == student and len(state["sha256"]) == 64
        assert (folder / "report.html").read_text().startswith("<!DOCTYPE html>")
    # A line per submission on stderr (no terminal here), then the closing line of counts and time.
    lines = done.stderr.strip().splitlines()
    assert [line.split("]")[0] for line in lines[:5]] == ["[1/5", "[2/5", "[3/5", "[4/5", "[5/5"]
    assert "5 submissions: 5 graded, 0 unchanged (skipped), 0 could not be graded" in lines[5]
    assert lines[5].endswith(f"-> {out / 'gradebook.csv'}")


def test_examples_get_distinct_sensible_scores(graded):
    out, _ = graded
    totals = {row["id"]: float(row["total"]) for row in gradebook(out)}
    assert totals["complete"] == totals["renamed_copy"] == 100 and totals["empty"] == 0
    assert 0 < totals["half_finished"] < 100 and 0 < totals["backprop_mistakes"] < 100
    assert len(set(totals.values())) == 4


def test_the_summary_flags_the_planted_copy(graded):
    out, _ = graded
    pairs = json.loads((out / "similarity.json").read_text())["pairs"]
    planted = [p for p in pairs if {p["a"], p["b"]} == {"complete", "renamed_copy"}]
    assert len(planted) == 1 and planted[0]["score"] >= 0.9
    summary = (out / "summary.html").read_text()
    row = f'<td>complete</td><td>renamed_copy</td><td class="num">{planted[0]["score"]:.0%}</td>'
    assert "<h2>Similarity</h2>" in summary and row in summary and f'href="{planted[0]["view"]}"' in summary


def test_make_similarity_rewrites_the_section_and_no_score(graded):
    out, _ = graded
    before = {s: (out / s / "results.json").read_bytes() for s in STUDENTS}
    gradebook_before = (out / "gradebook.csv").read_bytes()
    for threshold, rows in (("0.995", 9), ("0.5", 10)):
        done = subprocess.run(["make", "-s", "-o", ".venv/.installed", "similarity", f"OUT={out}",
                               f"THRESHOLD={threshold}", f"PY={sys.executable}"],
                              cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        summary = (out / "summary.html").read_text()
        assert summary.count("side by side</a>") == rows and f"at least {float(threshold):.0%}" in summary
    assert {s: (out / s / "results.json").read_bytes() for s in STUDENTS} == before
    assert (out / "gradebook.csv").read_bytes() == gradebook_before


def test_backprop_mistakes_cost_the_tests_of_the_broken_functions(graded):
    out, _ = graded
    results = json.loads((out / "backprop_mistakes" / "results.json").read_text())
    failed = {t["extra_data"]["id"] for t in results["tests"] if t["status"] == "failed"}
    assert {"softmax_loss.gradient", "sigmoid_backward.gradient", "MLP.loss.regularization"} <= failed
    assert "affine_backward.gradient" not in failed


def test_gradebook_scores_come_straight_from_results_json(graded):
    out, _ = graded
    rows = gradebook(out)
    ids = [test.id for test in rubric.load()]
    assert list(rows[0]) == ["id", "total", *ids, "status"]
    assert [row["id"] for row in rows] == STUDENTS
    for row in rows:
        results = json.loads((out / row["id"] / "results.json").read_text())
        assert float(row["total"]) == results["score"]
        assert {i: float(row[i]) for i in ids} == {t["extra_data"]["id"]: t["score"] for t in results["tests"]}
        assert row["status"] == "graded"


def test_a_rerun_skips_what_is_graded_and_unchanged(graded):
    out, _ = graded
    before = {s: (out / s / "results.json").stat().st_mtime_ns for s in STUDENTS}
    done = make_grade(out)
    assert done.returncode == 0, done.stderr
    assert "5 submissions: 0 graded, 5 unchanged (skipped)" in done.stderr
    assert {s: (out / s / "results.json").stat().st_mtime_ns for s in STUDENTS} == before


def test_changed_submissions_are_regraded_and_force_regrades_all(tmp_path):
    folder, out = small_class(tmp_path), tmp_path / "out"
    assert run.grade_class(folder, out, jobs=2).graded == ["empty", "half_finished"]
    with open(folder / "half_finished" / "losses.py", "a") as handle:
        handle.write("\n# one more comment\n")
    tally = run.grade_class(folder, out, jobs=2)
    assert (tally.graded, tally.skipped) == (["half_finished"], ["empty"])
    done = make_grade(out, folder, "FORCE=1")
    assert done.returncode == 0, done.stderr
    assert "2 submissions: 2 graded, 0 unchanged (skipped)" in done.stderr


def test_shards_split_the_class_and_merge_equals_the_full_run(graded, tmp_path):
    full, _ = graded
    shards = [tmp_path / "shard1", tmp_path / "shard2"]
    for k, folder in enumerate(shards, start=1):
        run.grade_class(EXAMPLES, folder, jobs=2, shard=(k, 2))
    ids = [[row["id"] for row in gradebook(folder)] for folder in shards]
    assert sorted(ids[0] + ids[1]) == STUDENTS and not set(ids[0]) & set(ids[1])
    merged = tmp_path / "merged"
    done = subprocess.run([sys.executable, "-m", "autograder", "merge", *map(str, shards), "--out", str(merged)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (merged / "gradebook.csv").read_text() == (full / "gradebook.csv").read_text()
    assert (merged / "summary.html").is_file()
    for student in STUDENTS:
        assert (merged / student / "results.json").read_bytes() != b""
        assert (merged / student / "report.html").is_file()


def test_merge_refuses_a_student_in_two_shards(graded, tmp_path):
    full, _ = graded
    done = subprocess.run([sys.executable, "-m", "autograder", "merge", str(full), str(full), "--out",
                           str(tmp_path / "m")], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "shard 1/1 is given more than once" in done.stderr
    assert not (tmp_path / "m").exists()


def test_shards_are_deterministic_disjoint_and_balanced():
    class_ = [Entry(f"s{i:03d}", Path(f"s{i:03d}")) for i in range(23)]
    shards = [entries.shard(class_, k, 4) for k in range(1, 5)]
    assert sorted(e.student for s in shards for e in s) == [e.student for e in class_]
    assert {len(s) for s in shards} <= {5, 6}
    assert entries.shard(list(reversed(class_)), 2, 4) == shards[1]
    for bad in ("0/3", "4/3", "2", "a/b"):
        with pytest.raises(ValueError):
            entries.parse_shard(bad)


def test_discover_names_students_and_ignores_other_files(tmp_path):
    (tmp_path / "ada").mkdir()
    (tmp_path / "bob.zip").write_bytes(b"")
    (tmp_path / "roster.csv").write_text("x")
    (tmp_path / ".DS_Store").write_text("x")
    found, ignored = entries.discover(tmp_path)
    assert [(e.student, e.path.name) for e in found] == [("ada", "ada"), ("bob", "bob.zip")]
    assert ignored == ["roster.csv"]
    (tmp_path / "ada.zip").write_bytes(b"")
    found, _ = entries.discover(tmp_path)
    assert [e.student for e in found] == ["ada", "bob"]
    assert "it has 2 submissions (ada, ada.zip); keep one of them" == found[0].problem
    with pytest.raises(entries.EntryError, match="is not a folder"):
        entries.discover(tmp_path / "bob.zip")


def test_content_hash_follows_the_content(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "losses.py").write_text("x = 1\n")
    first = entries.content_hash(tmp_path / "a")
    assert entries.content_hash(tmp_path / "a") == first
    (tmp_path / "a" / "losses.py").write_text("x = 2\n")
    assert entries.content_hash(tmp_path / "a") != first
    (tmp_path / "a" / "losses.py").rename(tmp_path / "a" / "layers.py")
    assert entries.content_hash(tmp_path / "a") not in (first, None)


@pytest.fixture
def failing_grader(monkeypatch):
    """grade_to dies hard for 'crasher', raises for 'raiser', hangs for 'sleeper' (in the worker only)."""
    real = grade.grade_to

    def flaky(upload, out_dir, *args, **kwargs):
        name = Path(upload).name
        if name == "crasher":
            os._exit(3)
        if name == "raiser":
            raise RuntimeError("a bug in the grader")
        if name == "sleeper":
            time.sleep(60)
        return real(upload, out_dir, *args, **kwargs)

    monkeypatch.setattr(grade, "grade_to", flaky)


def test_a_crashing_or_hanging_worker_is_recorded_and_the_batch_goes_on(tmp_path, failing_grader):
    folder = tmp_path / "class"
    for name in ("crasher", "empty", "raiser", "sleeper"):
        shutil.copytree(EXAMPLES / "empty", folder / name)
    out = tmp_path / "out"
    tally = run.grade_class(folder, out, jobs=2, timeout=2.0)
    assert tally.graded == ["empty"] and sorted(tally.failed) == ["crasher", "raiser", "sleeper"]
    assert tally.exit_code == 1
    rows = {row["id"]: row for row in gradebook(out)}
    assert rows["empty"]["status"] == "graded" and rows["empty"]["total"] == "0"
    assert {s: rows[s]["status"] for s in ("crasher", "raiser", "sleeper")} == \
        {"crasher": "crashed", "raiser": "crashed", "sleeper": "timeout"}
    assert all(rows[s]["total"] == "" for s in ("crasher", "raiser", "sleeper"))
    state = {s: json.loads((out / s / "grading.json").read_text()) for s in ("crasher", "raiser", "sleeper")}
    assert "exited with status 3" in state["crasher"]["message"]
    assert "RuntimeError: a bug in the grader" in state["raiser"]["message"]
    assert "longer than 2 s" in state["sleeper"]["message"]
    assert "RuntimeError" in (out / "raiser" / "grading.log").read_text()  # the traceback, for the staff
    assert not (out / "crasher" / "results.json").exists()
    assert not (out / ".staging").exists()
    # A submission that could not be graded is tried again by the next run, never skipped.
    again = run.grade_class(folder, out, jobs=2, timeout=2.0)
    assert again.skipped == ["empty"] and sorted(again.failed) == ["crasher", "raiser", "sleeper"]


def test_canvas_csv_on_request(tmp_path):
    folder, out = small_class(tmp_path), tmp_path / "out"
    roster = tmp_path / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\nDoe, Jane,,,,\n"
                      '"Empty, Emma",1234,S1,empty,Sec A\n')
    run.grade_class(folder, out, jobs=2, canvas={"assignment": "gradlab (77)", "roster": roster})
    with open(out / "canvas.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "gradlab (77)"]
    assert rows[1] == ["Points Possible", "", "", "", "", "100"]
    totals = {row["id"]: row["total"] for row in gradebook(out)}
    assert rows[2] == ["Empty, Emma", "1234", "S1", "empty", "Sec A", totals["empty"]]
    assert rows[3] == ["half_finished", "", "", "half_finished", "", totals["half_finished"]]


def test_command_line_errors_are_one_clear_line(tmp_path):
    def batch(*args):
        return subprocess.run([sys.executable, "-m", "autograder", "batch", *args], cwd=ROOT, capture_output=True,
                              text=True, timeout=60)
    missing = batch(str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"))
    assert missing.returncode == 2 and "is not a folder of submissions" in missing.stderr
    shard = batch(str(EXAMPLES), "--out", str(tmp_path / "out"), "--shard", "3/2")
    assert shard.returncode == 2 and "K must be between 1 and N" in shard.stderr
    roster = batch(str(EXAMPLES), "--out", str(tmp_path / "out"), "--canvas", "--roster", str(tmp_path / "no.csv"))
    assert roster.returncode == 2 and "no such file" in roster.stderr
    inside = batch(str(EXAMPLES), "--out", str(EXAMPLES / "reports"))
    assert inside.returncode == 2 and "one holds the other" in inside.stderr
    assert not (tmp_path / "out").exists() and not (EXAMPLES / "reports").exists()  # nothing was started


def test_a_submission_stopped_at_its_time_limit_while_it_imports_leaves_nothing_running(tmp_path):
    # The batch stops a grading past --timeout with a signal; the student's process, still busy
    # importing, must be stopped with it (its check ran in a thread the signal did not wait for).
    from test_hostile import processes_named
    name = "gl-import-nap"
    folder = tmp_path / "class"
    shutil.copytree(EXAMPLES / "complete", folder / "napper")
    losses = folder / "napper" / "gradlab" / "losses.py"
    losses.write_text(f"import ctypes, time\nctypes.CDLL(None).prctl(15, b'{name}', 0, 0, 0)\ntime.sleep(1000)\n"
                      + losses.read_text())
    for _ in range(3):  # the race lost most runs
        tally = run.grade_class(folder, tmp_path / "out", jobs=1, timeout=1.5, force=True)
        assert tally.failed == ["napper"]
        deadline = time.monotonic() + 5
        while processes_named(name) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert processes_named(name) == []
