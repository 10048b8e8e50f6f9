"""What an independent review of the staff side found, each kept as a test: a stale copy of the
handout beside the real modules, escape sequences in merge's errors, forged results without a
grading, a student dropped from a shard, "1 hour", hashing trees the grader never reads."""
import io
import json
from datetime import timedelta

import pytest

from autograder import submission
from autograder.batch import entries, run
from autograder.gradescope import metadata
from test_staff_side import ROOT, install_fast_grader, merge, sharded, student


@pytest.fixture
def fake_grader(monkeypatch):
    """The batch with a stand-in for grading (see test_staff_side)."""
    install_fast_grader(monkeypatch)


def test_a_stale_handout_copy_deeper_down_never_wins(tmp_path):
    upload = tmp_path / "carol"
    (upload / "handout" / "gradlab").mkdir(parents=True)
    for path in (ROOT / "solutions" / "gradlab").glob("*.py"):
        if path.name != "__init__.py":
            (upload / path.name).write_bytes(path.read_bytes())
    for path in (ROOT / "assignment" / "gradlab").glob("*.py"):
        (upload / "handout" / "gradlab" / path.name).write_bytes(path.read_bytes())
    prepared = submission.prepare(upload, tmp_path / "scratch")
    assert prepared.found["losses"] == "losses.py" and prepared.missing == []
    assert [n for n in prepared.notes if "other copies" in n and "handout/gradlab/" in n]


def test_merge_errors_reach_the_terminal_without_escape_sequences(tmp_path, fake_grader):
    name = "x\x1b]0;PWN\x07\x1b[2J"
    student(tmp_path / "class", name, "3")
    run.grade_class(tmp_path / "class", tmp_path / "out", jobs=1, stream=io.StringIO())
    path = tmp_path / "out" / name / "results.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "score": 100}))  # an error naming the student
    done = merge(tmp_path / "out", out=tmp_path / "m")
    assert done.returncode == 2 and "out/x: " in done.stderr  # the sequences removed, the name kept
    assert "\x1b" not in done.stderr and "\x07" not in done.stderr


def test_merge_never_copies_a_result_no_grading_vouches_for(tmp_path, fake_grader):
    shards = sharded(tmp_path, n=1)
    state = shards[0] / "s2" / "grading.json"
    state.write_text(json.dumps({**json.loads(state.read_text()), "status": "crashed"}))
    done = merge(*shards, out=tmp_path / "m")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "m" / "s2" / "grading.json").exists() and not (tmp_path / "m" / "s2" / "results.json").exists()
    assert (tmp_path / "m" / "s3" / "results.json").exists()


def test_a_student_dropped_from_a_shard_stops_merge(tmp_path, fake_grader):
    shards = sharded(tmp_path, n=1)
    manifest = shards[0] / "batch.json"
    record = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**record, "students": [s for s in record["students"] if s != "s2"]}))
    book = shards[0] / "gradebook.csv"
    book.write_text("".join(line for line in book.read_text().splitlines(True) if not line.startswith('"s2"')))
    done = merge(*shards, out=tmp_path / "m")
    assert done.returncode == 2 and "5 students, but the class they were cut from has 6" in done.stderr
    assert merge(*shards, out=tmp_path / "m", flags=["--allow-missing"]).returncode == 0


def test_one_hour_late_is_one_hour():
    assert metadata.describe(timedelta(hours=1)) == "1 hour"
    assert metadata.describe(timedelta(hours=2.5)) == "2.5 hours"


def test_the_content_hash_skips_what_grading_never_reads(tmp_path):
    folder = tmp_path / "bob"
    (folder / "gradlab").mkdir(parents=True)
    (folder / "gradlab" / "losses.py").write_text("x = 1\n")
    before = entries.content_hash(folder)
    (folder / ".git" / "objects").mkdir(parents=True)
    (folder / ".git" / "objects" / "ab").write_bytes(b"a new commit")
    assert entries.content_hash(folder) == before
    (folder / "gradlab" / "losses.py").write_text("x = 2\n")
    assert entries.content_hash(folder) != before
