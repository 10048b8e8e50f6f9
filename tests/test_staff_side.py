"""The staff side against hostile or careless input: odd names, edited shards, metadata, interruptions.

Every odd name, upload and metadata file is made here, in tmp_path (none is in the repository).
Most batch tests use a stand-in for the grader (fast_grader): it writes a results.json whose
score is read from the submission's `points` file, so what is tested is the batch's own handling.
"""
import csv
import io
import json
import os
import signal
import struct
import subprocess
import sys
import time
import unicodedata
import zipfile
from pathlib import Path

import pytest

from autograder import grade, results
from autograder.batch import names, run
from autograder.batch.progress import Progress, printable
from autograder.gradescope import metadata
from autograder.gradescope import run as gradescope_run
from autograder.report import gradebook
from results_schema import validate as validate_results

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "submissions"
INJECTIONS = ["=HYPERLINK(\"evil.example\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "'quoted", "a\rb", "a\nb",
              "x\x1b]0;owned\x07y", "\x1b[2Jclear", "rtl\u202egnp.exe"]


def fake_test(test_id, score, maximum=50.0):
    return {"name": test_id, "score": score, "max_score": maximum, "status": "passed" if score == maximum else "failed",
            "output": "", "tags": [test_id], "visibility": "visible", "extra_data": {"id": test_id}}


def install_fast_grader(monkeypatch):
    """grade_to reads SUBMISSION/points: a number (the first test's score), 'crash' or 'sleep PIDFILE'."""
    def grade_to(upload, out_dir, limits=None, due_passed=True, lanes=None):
        upload = Path(upload)
        text = (upload / "points").read_text() if (upload / "points").is_file() else "10"
        if text == "crash":
            raise RuntimeError("the grader failed")
        if text.startswith("sleep"):
            Path(text.split()[1]).write_text(str(os.getpid()))
            time.sleep(60)
        document = results.build([fake_test("a", float(text)), fake_test("b", 0.0)], 0.1, "fake", {"notes": []})
        results.write_atomic(Path(out_dir) / "report.md", "fake\n")
        results.write_atomic(Path(out_dir) / "results.json", results.dumps(document))
        return document
    monkeypatch.setattr(grade, "grade_to", grade_to)
    monkeypatch.setattr(run.spawner, "zygote", lambda: None)
    monkeypatch.setattr(run.reference_cache, "entry", lambda name: None)


@pytest.fixture
def fast_grader(monkeypatch):
    install_fast_grader(monkeypatch)


def student(folder, name, points="10"):
    """A submission folder (name: str or bytes) holding a points file; returns its path."""
    path = Path(os.fsdecode(os.path.join(os.fsencode(folder), os.fsencode(name))))
    path.mkdir(parents=True)
    (path / "points").write_text(points)
    return path


def rows(out):
    return {row["id"]: row for row in gradebook.read(out / "gradebook.csv")}


def merge(*shards, out, flags=()):
    return subprocess.run([sys.executable, "-m", "autograder", "merge", *map(str, shards), "--out", str(out), *flags],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def sharded(tmp_path, n=3, skip=()):
    """A class of 6 graded in n shards (except the K in skip); returns the shard folders."""
    folder = tmp_path / "class"
    for i in range(6):
        student(folder, f"s{i}", str(i))
    shards = [tmp_path / f"shard{k}" for k in range(1, n + 1)]
    for k, out in enumerate(shards, start=1):
        if k not in skip:
            run.grade_class(folder, out, jobs=2, shard=(k, n), stream=io.StringIO())
    return [s for k, s in enumerate(shards, start=1) if k not in skip]


# --- merge verifies what it merges -------------------------------------------------------------

def test_merge_refuses_a_score_that_is_not_its_grading(tmp_path, fast_grader):
    shards = sharded(tmp_path, n=1)
    path = shards[0] / "s1" / "results.json"
    document = json.loads(path.read_text())
    path.write_text(json.dumps({**document, "score": 100}))
    done = merge(*shards, out=tmp_path / "m")
    assert done.returncode == 2 and "is not the sum of its tests' scores (1)" in done.stderr
    assert not (tmp_path / "m").exists()
    # Edited consistently (score and tests), the SHA-256 recorded by the grading still tells.
    document["tests"][0]["score"], document["score"] = 50, 50
    path.write_text(json.dumps(document))
    done = merge(*shards, out=tmp_path / "m")
    assert done.returncode == 2 and "SHA-256 differs" in done.stderr
    # A rerun of the batch does not trust the edited file either: that student is graded again.
    tally = run.grade_class(tmp_path / "class", shards[0], jobs=2, shard=(1, 1), stream=io.StringIO())
    assert tally.graded == ["s1"] and rows(shards[0])["s1"]["total"] == "1"
    assert merge(*shards, out=tmp_path / "m").returncode == 0


def test_merge_never_touches_a_path_outside_out(tmp_path, fast_grader):
    shards = sharded(tmp_path, n=1)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("mine")
    book, manifest = shards[0] / "gradebook.csv", json.loads((shards[0] / "batch.json").read_text())
    with open(book, "a", newline="") as handle:
        csv.writer(handle).writerow(["../../victim", "0", "0", "0", "graded"])
    manifest["students"].append("../../victim")
    (shards[0] / "batch.json").write_text(json.dumps(manifest))
    done = merge(*shards, out=tmp_path / "deep" / "m")
    assert done.returncode == 2 and "cannot be a folder inside --out" in done.stderr
    assert (victim / "keep.txt").read_text() == "mine" and sorted(p.name for p in victim.iterdir()) == ["keep.txt"]
    assert not (tmp_path / "deep").exists()


def test_merge_refuses_a_student_folder_that_is_a_link(tmp_path, fast_grader):
    shards = sharded(tmp_path, n=1)
    elsewhere = tmp_path / "elsewhere"
    os.replace(shards[0] / "s2", elsewhere)
    os.symlink(elsewhere, shards[0] / "s2")
    done = merge(*shards, out=tmp_path / "m")
    assert done.returncode == 2 and "is not a folder (a symbolic link?)" in done.stderr


def test_shards_record_k_of_n_and_a_missing_or_repeated_shard_is_an_error(tmp_path, fast_grader):
    shards = sharded(tmp_path, n=3, skip=(3,))
    manifest = json.loads((shards[1] / "batch.json").read_text())
    assert manifest["shard"] == [2, 3] and manifest["grader"] == run.grader_fingerprint()
    assert manifest["class"]["entries"] == 6 and manifest["finished"] is True
    missing = merge(*shards, out=tmp_path / "m")
    assert missing.returncode == 2 and "shard 3/3 is missing" in missing.stderr and "--allow-missing" in missing.stderr
    allowed = merge(*shards, out=tmp_path / "m", flags=["--allow-missing"])
    assert allowed.returncode == 0 and "warning: shard 3/3 is missing" in allowed.stderr
    assert sorted(rows(tmp_path / "m")) == ["s0", "s1", "s3", "s4"]
    twice = merge(shards[0], shards[0], shards[1], out=tmp_path / "m2", flags=["--allow-missing"])
    assert twice.returncode == 2 and "shard 1/3 is given more than once" in twice.stderr
    assert merge(shards[0], shards[0], shards[1], out=tmp_path / "m2",
                 flags=["--allow-missing", "--allow-duplicates"]).returncode == 0
    other_n = tmp_path / "other"
    run.grade_class(tmp_path / "class", other_n, jobs=2, shard=(3, 4), stream=io.StringIO())
    mixed_n = merge(*shards, other_n, out=tmp_path / "m3", flags=["--allow-missing"])
    assert mixed_n.returncode == 2 and "different numbers of shards" in mixed_n.stderr


def test_shards_of_different_graders_or_classes_are_refused(tmp_path, fast_grader, monkeypatch):
    shards = sharded(tmp_path, n=2, skip=(2,))
    monkeypatch.setattr(run, "grader_fingerprint", lambda: "0" * 64)
    late = tmp_path / "shard2"
    run.grade_class(tmp_path / "class", late, jobs=2, shard=(2, 2), stream=io.StringIO())
    done = merge(shards[0], late, out=tmp_path / "m")
    assert done.returncode == 2 and "different versions of the grader" in done.stderr
    assert merge(shards[0], late, out=tmp_path / "m", flags=["--allow-mixed-graders"]).returncode == 0
    student(tmp_path / "class", "newcomer")
    other = tmp_path / "shard2b"
    run.grade_class(tmp_path / "class", other, jobs=2, shard=(2, 2), stream=io.StringIO())
    done = merge(shards[0], other, out=tmp_path / "m4", flags=["--allow-mixed-graders"])
    assert done.returncode == 2 and "different submissions folders" in done.stderr


# --- one bad entry costs only itself ----------------------------------------------------------

def odd_class(folder):
    """Every kind of name the file system allows, beside an honest 'plain'; returns bytes names."""
    made = {
        "long253": b"l" * 253, "long255": b"m" * 255, "zip251": b"z" * 251 + b".zip",
        "not_utf8": b"caf\xe9", "not_utf8_long": b"\xff" * 255, "not_utf8_zip": b"na\xefve.zip",
        "nfd": unicodedata.normalize("NFD", "jos\u00e9").encode(), "nfc": "jos\u00e9".encode(),
        "upper": b"Ada", "lower": b"ada", "class_file": b"Gradebook.CSV", "dup_dir": b"bob", "dup_zip": b"bob.zip",
        "plain": b"plain",
    }
    made.update({f"inject{i}": name.encode() for i, name in enumerate(INJECTIONS)})
    for name in made.values():
        if name.endswith(b".zip"):
            folder.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(os.fsdecode(os.path.join(os.fsencode(folder), name)), "w") as archive:
                archive.writestr("points", "7")
        else:
            student(folder, name, "5")
    return made


def test_every_name_is_graded_or_refused_in_its_own_row(tmp_path, fast_grader):
    folder, out = tmp_path / "class", tmp_path / "out"
    odd_class(folder)
    stream = io.StringIO()
    tally = run.grade_class(folder, out, jobs=2, stream=stream)
    table = rows(out)
    graded = {"l" * 253, "m" * 255, "z" * 251, "plain", *INJECTIONS}
    assert set(tally.graded) == graded and {s for s, r in table.items() if r["status"] == "graded"} == graded
    assert all(table[s]["total"] == ("10" if s.startswith("z") else "5") for s in graded)  # a zip: the default
    refused = {s: r for s, r in table.items() if r["status"] == "refused"}
    assert set(refused) == {"caf\\xe9", "\\xff" * 255, "na\\xefve", "jos\u00e9", "Ada", "ada", "Gradebook.CSV", "bob"}
    assert all(r["total"] == "" for r in refused.values())
    refused_ids = json.loads((out / "batch.json").read_text())["refused"]
    messages = {r.student: r.message for r in gradebook.load_records(out, list(table), refused_ids)}
    assert "not valid UTF-8" in messages["caf\\xe9"]
    assert "only by case or Unicode normalization" in messages["Ada"] and "'ada'" in messages["Ada"]
    assert "it has 2 submissions" in messages["jos\u00e9"] and "2 submissions (bob, bob.zip)" in messages["bob"]
    assert "name of a class file" in messages["Gradebook.CSV"]
    assert (out / "summary.html").is_file() and not (out / "Gradebook.CSV").exists()
    assert tally.exit_code == 1
    # merge carries the refused rows over, whatever their names.
    assert merge(out, out=tmp_path / "m").returncode == 0
    assert {s: r["status"] for s, r in rows(tmp_path / "m").items()} == {s: r["status"] for s, r in table.items()}
    # A rerun goes through too (nothing left half-done), skipping what is graded.
    again = run.grade_class(folder, out, jobs=2, stream=io.StringIO())
    assert set(again.skipped) == graded and again.graded == []


def test_ids_are_nfc_and_collisions_ignore_case():
    assert names.student_id(unicodedata.normalize("NFD", "Zo\u00eb"))[0] == "Zo\u00eb"
    assert names.collision_key("ADA") == names.collision_key("ada")
    assert names.student_id(os.fsdecode(b"\xff"))[1].startswith("its name is not valid UTF-8")
    assert "file-name limit" in names.unsafe("\u00e9" * 128)
    for bad in ("", ".", "..", "a/b", "../../victim", ".hidden"):
        assert names.unsafe(bad)


def test_odd_file_names_inside_a_submission_are_graded(tmp_path):
    upload = tmp_path / "upload"
    (upload / "gradlab").mkdir(parents=True)
    for path in (EXAMPLES / "complete" / "gradlab").glob("*.py"):
        (upload / "gradlab" / path.name).write_bytes(path.read_bytes())
    (Path(os.fsdecode(os.fsencode(upload) + b"/notes\xff.txt"))).write_text("x")
    (Path(os.fsdecode(os.fsencode(upload) + b"/layer\xff.py"))).write_text("x")
    os.symlink("/etc/passwd", os.fsdecode(os.fsencode(upload) + b"/link\xfe"))
    document = grade.grade_to(upload, tmp_path / "out")
    assert document["score"] == 100
    assert any("link\\xfe" in note for note in document["extra_data"]["notes"])


def test_a_zip_whose_names_lie_about_utf8_gets_a_note_not_a_crash(tmp_path):
    path = tmp_path / "upload.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("losses.py", "x = 1\n")
    data = path.read_bytes().replace(b"losses.py", b"losse\xff.py")
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    data = bytearray(data)
    data[local + 6:local + 8] = data[central + 8:central + 10] = struct.pack("<H", 0x800)
    path.write_bytes(bytes(data))
    document = grade.grade_to(path, tmp_path / "out")
    validate_results(document)
    assert "marked as UTF-8 that are not" in document["output"]


# --- consistent state -------------------------------------------------------------------------

def test_a_failed_regrade_leaves_no_old_score_looking_current(tmp_path, fast_grader):
    folder, out = tmp_path / "class", tmp_path / "out"
    student(folder, "ada", "50")
    run.grade_class(folder, out, jobs=1, stream=io.StringIO())
    assert rows(out)["ada"]["total"] == "50"
    (folder / "ada" / "points").write_text("crash")
    run.grade_class(folder, out, jobs=1, stream=io.StringIO())
    files = sorted(p.name for p in (out / "ada").iterdir())
    assert files == ["grading.json", "grading.log", "stale-report.html", "stale-report.md", "stale-results.json"]
    assert rows(out)["ada"]["status"] == "crashed" and rows(out)["ada"]["total"] == ""
    assert "renamed stale-*" in json.loads((out / "ada" / "grading.json").read_text())["message"]
    (folder / "ada" / "points").write_text("20")
    run.grade_class(folder, out, jobs=1, stream=io.StringIO())
    assert not any(p.name.startswith("stale-") for p in (out / "ada").iterdir())
    assert rows(out)["ada"]["total"] == "20"


def test_one_batch_at_a_time_per_out(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    # The lock is per process: a second process (the command line) must find it taken.
    with run._lock(out):
        done = subprocess.run([sys.executable, "-m", "autograder", "batch", str(EXAMPLES), "--out", str(out)],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "is in use by another batch or merge (pid " in done.stderr
    assert sorted(p.name for p in out.iterdir()) == [".batch.lock"]


@pytest.mark.parametrize("layout", ["equal", "out_inside", "submissions_inside"])
def test_out_and_submissions_never_nest(tmp_path, layout):
    folder = tmp_path / "class"
    student(folder, "ada")
    out = {"equal": folder, "out_inside": folder / "reports", "submissions_inside": tmp_path}[layout]
    with pytest.raises(run.BatchError, match="one holds the other"):
        run.grade_class(folder, out, stream=io.StringIO())
    assert sorted(p.name for p in folder.iterdir()) == ["ada"]


def test_an_interrupted_batch_still_writes_the_class_files(tmp_path, fast_grader, monkeypatch):
    folder, out = tmp_path / "class", tmp_path / "out"
    student(folder, "ada")
    (out / ".staging" / "junk").mkdir(parents=True)  # what a killed run left behind

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(run.pool, "run", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run.grade_class(folder, out, stream=io.StringIO())
    assert rows(out)["ada"]["status"] == "no results" and not (out / ".staging").exists()
    assert json.loads((out / "batch.json").read_text())["finished"] is False
    done = merge(out, out=tmp_path / "m")
    assert done.returncode == 2 and "did not finish its batch" in done.stderr


def test_workers_die_with_the_batch(tmp_path):
    folder, pidfile = tmp_path / "class", tmp_path / "worker.pid"
    student(folder, "ada", f"sleep {pidfile}")
    script = tmp_path / "parent.py"
    script.write_text(f"""
import sys
sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(Path(__file__).parent)!r})
import pytest
from test_staff_side import install_fast_grader
from autograder.batch import run
install_fast_grader(pytest.MonkeyPatch())
run.grade_class({str(folder)!r}, {str(tmp_path / 'out')!r}, jobs=1)
""")
    parent = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not pidfile.exists() or not pidfile.read_text():
            assert time.monotonic() < deadline and parent.poll() is None
            time.sleep(0.1)
        worker = int(pidfile.read_text())
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 10
        while alive(worker):
            assert time.monotonic() < deadline, "the worker outlived its batch"
            time.sleep(0.1)
    finally:
        parent.kill()


def alive(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] not in "ZX"
    except (OSError, IndexError):
        return False


# --- spreadsheet and terminal injection -------------------------------------------------------

def test_csv_cells_are_neutralised_and_read_back_exactly(tmp_path, fast_grader):
    folder, out = tmp_path / "class", tmp_path / "out"
    for name in INJECTIONS:
        student(folder, name)
    roster = tmp_path / "roster.csv"
    roster.write_text('Student,ID,SIS User ID,SIS Login ID,Section\n"=cmd|\' /C calc\'!A0",1,S1,+1+1,@sec\n')
    run.grade_class(folder, out, jobs=2, canvas={"assignment": "gradlab", "roster": roster}, stream=io.StringIO())
    with open(out / "gradebook.csv", newline="") as handle:
        raw = [row[0] for row in csv.reader(handle)][1:]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in raw)
    assert sorted(raw) == sorted(("'" + s if s[0] in "=+-@\t\r'" else s) for s in INJECTIONS)
    assert (out / "gradebook.csv").read_text().startswith('"id","total"')  # every field quoted
    assert [r["id"] for r in gradebook.read(out / "gradebook.csv")] == sorted(INJECTIONS)
    with open(out / "canvas.csv", newline="") as handle:
        canvas = list(csv.reader(handle))
    assert ["'=cmd|' /C calc'!A0", "1", "S1", "'+1+1", "'@sec", "10"] in canvas
    assert len(canvas) == 2 + len(INJECTIONS)
    # merge reads the ids back exactly: no phantom student, none dropped.
    done = merge(out, out=tmp_path / "m")
    assert done.returncode == 0, done.stderr
    assert [r["id"] for r in gradebook.read(tmp_path / "m" / "gradebook.csv")] == sorted(INJECTIONS)
    assert all((tmp_path / "m" / s / "results.json").is_file() for s in INJECTIONS)


def test_the_terminal_sees_no_control_character(tmp_path, fast_grader):
    folder = tmp_path / "class"
    for name in INJECTIONS:
        student(folder, name)
    stream = io.StringIO()
    run.grade_class(folder, tmp_path / "out", jobs=2, stream=stream)
    shown = stream.getvalue()
    assert "\x1b" not in shown and "\r" not in shown and "\u202e" not in shown and "\x07" not in shown
    assert all(line.isprintable() for line in shown.splitlines())
    assert printable("a\x1b[31mb\x1b]0;t\x07c\x9b2Jd\re\x00f") == "abcdef"
    tty = Progress(1, stream=io.StringIO())
    tty.advance("x\x1b[2Jy")
    assert "x\x1b" not in tty.stream.getvalue() and "xy" in tty.stream.getvalue()


# --- Gradescope metadata ----------------------------------------------------------------------

DEEP = "[" * 100000 + "]" * 100000


@pytest.mark.parametrize("content, note", [
    (json.dumps({"created_at": "2026-03-02T00:00:00Z", "assignment": [{"due_date": "2026-03-01"}]}),
     "assignment is not an object"),
    (json.dumps({"created_at": "2026-03-02T00:00:00Z", "users": 3,
                 "assignment": {"due_date": "2026-03-01T23:00:00+00:00"}}), "users is not a list"),
    (json.dumps({"created_at": "2026-03-02T00:00:00+01:00", "assignment": {"due_date": "2026-03-01T23:30:00"}}),
     "has no time zone"),
    (json.dumps({"created_at": "2026-03-02T10:00:00Z", "assignment": {"due_date": "2026-03-01"}}), "has no time;"),
    (json.dumps({"created_at": 17, "assignment": {"due_date": {"x": 1}}}), "is not a date"),
    (DEEP, "could not be read"),
    ("\xff\xfe", "could not be read"),
])
def test_results_json_is_written_whatever_the_metadata_holds(tmp_path, monkeypatch, content, note):
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission_metadata.json").write_text(content, encoding="latin-1")
    monkeypatch.setenv("AUTOGRADER_ROOT", str(tmp_path))
    monkeypatch.setattr(grade, "grade", lambda upload: (results.build([fake_test("a", 1.0)], 0.1, "ok", {}), {}))
    assert gradescope_run.main() == 0
    document = json.loads((tmp_path / "results" / "results.json").read_text())
    validate_results(document)
    info = document["extra_data"]["submission"]
    assert note in json.dumps(info["notes"] if "notes" in info and info["notes"] else info["message"])


@pytest.mark.parametrize("created, words", [
    ("2026-03-01T23:59:01-05:00", "submitted 1 second after"),
    ("2026-03-02T00:00:00-05:00", "submitted 1 minute after"),
    ("2026-03-02T00:58:59-05:00", "submitted 59 minutes after"),
    ("2026-03-02T02:29:00-05:00", "submitted 2.5 hours after"),
])
def test_lateness_under_an_hour_is_in_minutes(created, words):
    info = metadata.lateness({"created_at": created, "assignment": {"due_date": "2026-03-01T23:59:00-05:00"}})
    assert info["late"] and info["message"].startswith(words)
