"""The Gradescope bundle: its contents, and run_autograder in a local copy of /autograder."""
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from datetime import datetime, timedelta, timezone

import pytest

from autograder import assignment, grade
from autograder.gradescope import metadata
from autograder.gradescope import run as gradescope_run
from mutate import ROOT
from results_schema import validate as validate_results

EXAMPLES = ROOT / "examples" / "submissions"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """dist/autograder.zip built by the command line, in a temporary folder."""
    path = tmp_path_factory.mktemp("dist") / "autograder.zip"
    done = subprocess.run([sys.executable, "-m", "autograder", "gradescope-bundle", "--out", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture
def layout(bundle, tmp_path):
    """A copy of Gradescope's /autograder: source/ unpacked from the zip, run_autograder copied
    beside it, an empty results/; returns (root, a function that runs run_autograder)."""
    root = tmp_path / "autograder"
    return root, unpacked(bundle, root)


def unpacked(bundle, root):
    """Gradescope's /autograder at root from a bundle; returns run_autograder(submission, meta=None)
    -> its results.json, checked against the schema."""
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "run_autograder").chmod(0o755)
    (root / "results").mkdir()

    def run_autograder(submission, meta=None):
        shutil.copytree(submission, root / "submission")
        if meta is not None:
            (root / "submission_metadata.json").write_text(json.dumps(meta))
        env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
        done = subprocess.run([str(root / "run_autograder")], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        results = json.loads((root / "results" / "results.json").read_text())
        validate_results(results)
        return results
    return run_autograder


def flat_upload(tmp_path, example):
    """An example's module files flat in one folder, as Gradescope stores an upload."""
    folder = tmp_path / f"{example}-upload"
    folder.mkdir()
    for path in (EXAMPLES / example / "gradlab").glob("*.py"):
        shutil.copy(path, folder / path.name)
    return folder


def meta(created, due="2026-03-01T23:59:00-05:00", late_due=None, users=None):
    return {"id": 1, "created_at": created, "assignment": {"due_date": due, "late_due_date": late_due,
                                                           "title": "gradlab", "total_points": "100.0"},
            "users": users or [{"email": "s@example.edu", "id": 7, "name": "S"}], "previous_submissions": []}


def test_bundle_holds_the_scripts_grader_and_reference_only(bundle):
    with zipfile.ZipFile(bundle) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        requirements = archive.read("requirements.txt").decode()
    for script in ("setup.sh", "run_autograder"):
        assert stat.S_IMODE(infos[script].external_attr >> 16) == 0o755
    assert {"assignments/gradlab/rubric.toml", "assignments/gradlab/assignment.toml", "autograder/grade.py",
            "autograder/gradescope/run.py", "autograder/sandbox/child/worker.py", "assignments/gradlab/child_ops.py",
            "assignments/gradlab/checks/losses.py", "assignments/gradlab/reference_cache/index.json",
            "solutions/gradlab/losses.py"} <= set(infos)
    tops = {name.split("/")[0] for name in infos}
    assert tops == {"setup.sh", "run_autograder", "requirements.txt", "autograder", "assignments", "solutions"}
    assert {name for name in infos if name.startswith("solutions/")} == {
        f"solutions/gradlab/{m}.py" for m in ("__init__", *assignment.load("gradlab").modules)}
    with zipfile.ZipFile(bundle) as archive:
        assert archive.read("assignments/DEFAULT").decode().split() == ["gradlab"]
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in infos)
    assert {line.split(">")[0].split("=")[0] for line in requirements.split()} == {"numpy"}


def test_bundle_is_reproducible(bundle, tmp_path):
    again = tmp_path / "again.zip"
    subprocess.run([sys.executable, "-m", "autograder", "gradescope-bundle", "--out", str(again)], cwd=ROOT,
                   check=True, capture_output=True, timeout=60)
    assert again.read_bytes() == bundle.read_bytes()


def test_setup_and_run_scripts_parse_and_install_only_what_grading_needs(bundle, tmp_path):
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(tmp_path)
    for script in ("setup.sh", "run_autograder"):
        subprocess.run(["bash", "-n", str(tmp_path / script)], check=True)
    setup = (tmp_path / "setup.sh").read_text()
    commands = "\n".join(line for line in setup.splitlines() if not line.lstrip().startswith("#"))
    assert "conda" not in commands and "chromium" not in commands
    assert "useradd --system --no-create-home" in commands and "autograder-student" in commands
    assert 'chmod -R go-rwx "$SOURCE"' in commands and "/opt/autograder-venv" in commands


def test_run_autograder_grades_the_upload_and_flags_a_late_one(layout, tmp_path):
    root, run_autograder = layout
    results = run_autograder(flat_upload(tmp_path, "complete"), meta("2026-03-02T05:15:00-05:00"))
    assert results["score"] == 100
    late = results["extra_data"]["submission"]
    assert late["late"] is True and late["hours_late"] == 5.27
    assert results["output"].startswith("**Late submission**: submitted 5.27 hours after the due date")
    # The grading came from the unpacked bundle, not from this repository.
    where = subprocess.run([sys.executable, "-c", "import autograder; print(autograder.__file__)"],
                           cwd=root / "source", capture_output=True, text=True, check=True).stdout
    assert where.strip() == str(root / "source" / "autograder" / "__init__.py")


def test_bundle_ships_a_fresh_reference_cache_and_setup_checks_it(layout, tmp_path):
    root, run_autograder = layout
    source = root / "source"
    index = source / "assignments" / "gradlab" / "reference_cache" / "index.json"
    assert index.is_file()
    before = index.read_bytes()
    check = subprocess.run([sys.executable, "-m", "autograder", "reference-cache", "--check"], cwd=source,
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0 and "fresh" in check.stdout  # built for this grader, numpy and machine
    assert run_autograder(flat_upload(tmp_path, "complete"))["score"] == 100
    assert index.read_bytes() == before  # read, not rebuilt
    setup = (source / "setup.sh").read_text()
    assert "-m autograder reference-cache" in setup and "-m compileall" in setup


def test_run_autograder_on_time_and_without_metadata(layout, tmp_path):
    root, run_autograder = layout
    results = run_autograder(EXAMPLES / "half_finished", meta("2026-03-01T12:00:00-05:00"))
    assert results["extra_data"]["submission"]["late"] is False
    assert not results["output"].startswith("**Late")
    expected, _ = grade.grade(EXAMPLES / "half_finished")
    assert results["score"] == expected["score"] and 0 < results["score"] < 100
    shutil.rmtree(root / "submission")
    (root / "submission_metadata.json").unlink()
    results = run_autograder(flat_upload(tmp_path, "empty"))
    assert results["score"] == 0 and results["extra_data"]["submission"]["late"] is None


def test_lateness_reads_extensions_and_the_late_due_date():
    extension = {"id": 7, "assignment": {"due_date": "2026-03-04T23:59:00-05:00"}}
    extended = meta("2026-03-03T10:00:00-05:00", users=[extension])
    assert metadata.lateness(extended)["late"] is False
    very_late = metadata.lateness(meta("2026-03-03T00:00:00-05:00", late_due="2026-03-02T23:59:00-05:00"))
    assert very_late["late"] and "after the late due date" in very_late["message"]
    assert metadata.lateness({"created_at": "2026-03-01T00:00:00Z", "assignment": {}}) is None
    assert metadata.lateness(meta("not a date")) is None


def test_unreadable_metadata_and_a_failing_grader_still_give_valid_results(tmp_path, monkeypatch, capsys):
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission_metadata.json").write_text("{not json")
    monkeypatch.setenv("AUTOGRADER_ROOT", str(tmp_path))

    def broken(upload, *args, **kwargs):
        raise RuntimeError("rubric.toml is malformed")
    monkeypatch.setattr(grade, "grade", broken)
    assert gradescope_run.main() == 0
    results = json.loads((tmp_path / "results" / "results.json").read_text())
    validate_results(results)
    assert results["score"] == 0 and results["tests"] == []
    assert "The autograder itself failed" in results["output"] and "rubric.toml is malformed" in results["output"]
    assert "RuntimeError" in results["extra_data"]["grading_failed"]
    assert "could not be read" in results["extra_data"]["submission"]["message"]


def test_before_the_due_date_the_output_tells_only_of_visible_tests(layout, tmp_path):
    _, run_autograder = layout
    now = datetime.now(timezone.utc)
    due = (now + timedelta(days=7)).isoformat()
    results = run_autograder(EXAMPLES / "half_finished", meta(now.isoformat(), due=due))
    assert results["output"].startswith("**Visible tests: ") and "more tests are shown after the due date" in \
        results["output"]
    assert "/ 100" not in results["output"]
    expected, _ = grade.grade(EXAMPLES / "half_finished")
    assert results["score"] == expected["score"]  # the total is there for the staff; Gradescope hides it


def test_the_second_assignment_has_its_own_bundle_that_grades_it(tmp_path):
    """dropnorm's bundle (built by --assignment) holds only dropnorm, defaults to it, and its
    run_autograder grades dropnorm's complete example to full marks of dropnorm's own total."""
    path = tmp_path / "dropnorm-autograder.zip"
    done = subprocess.run([sys.executable, "-m", "autograder", "gradescope-bundle", "--assignment", "dropnorm",
                           "--out", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(path) as archive:
        assert archive.read("assignments/DEFAULT").decode().split() == ["dropnorm"]
        assert not any(name.startswith(("assignments/gradlab/", "solutions/gradlab/")) for name in archive.namelist())
    spec = assignment.load("dropnorm")
    results = unpacked(path, tmp_path / "autograder")(spec.examples / "complete" / spec.package)
    assert results["extra_data"]["assignment"] == "dropnorm"
    assert results["score"] == sum(test["max_score"] for test in results["tests"]) > 0
