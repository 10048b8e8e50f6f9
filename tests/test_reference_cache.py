"""The reference cache (autograder/reference_cache.py): what it stores, that it is never stale,
and that grading gives the same results with it and without it."""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from autograder import assignment, fingerprint, grade, reference, reference_cache
from mutate import ROOT, part

convergence = part("checks.convergence")
autodiff_checks = part("checks.autodiff")

EXAMPLES = ROOT / "examples" / "submissions"


@pytest.fixture
def cache_at(monkeypatch):
    """Point the cache at another folder for one test (and drop what this process loaded)."""
    def use(folder):
        monkeypatch.setattr(reference_cache, "folder_of", lambda spec: folder)
        reference_cache.forget()
    yield use
    reference_cache.forget()


def comparable(document):
    """A results document without its two measurements (docs/instructors.md: the only parts that vary)."""
    document = json.loads(json.dumps(document))
    document.pop("execution_time")
    document["extra_data"].pop("student_peak_memory_mb")
    return document


def test_entries_are_json_and_npy_and_round_trip_exactly(tmp_path):
    entries = reference_cache.compute()
    key = reference_cache.current_key()
    reference_cache.write(tmp_path / "cache", key, entries)
    files = {path.suffix for path in (tmp_path / "cache").iterdir()}
    assert files == {".json", ".npy"}
    again = reference_cache.read(tmp_path / "cache", key)
    assert again.keys() == entries.keys()
    for name, entry in entries.items():
        assert again[name].values == json.loads(json.dumps(entry.values)), name
        assert again[name].arrays.keys() == entry.arrays.keys()
        for array, value in entry.arrays.items():
            assert again[name].arrays[array].dtype == value.dtype
            assert np.array_equal(again[name].arrays[array], value)
    for kind, name, seed in convergence.RUNS:
        losses, accuracy = again[f"convergence-{kind}-{name}-{seed}"].values.values()
        assert len(losses) == convergence.CONFIGS[kind]["num_iters"] and accuracy >= convergence.THRESHOLD


def test_the_stored_graphs_are_the_ones_the_reference_builds(tmp_path, cache_at):
    cache_at(tmp_path / "cache")
    reference_cache.ensure()
    reference_cache.forget()
    ad = reference.load().autodiff
    for test, (count, n_inputs) in autodiff_checks.GRAPHS.items():
        stored = autodiff_checks._random_graphs(test)
        assert [list(graph) for graph in stored] == autodiff_checks._build_graphs(ad, test, count, n_inputs)
        assert len(stored) == count and all(len(point) == n_inputs for _, _, point in stored)


@pytest.mark.parametrize("damage", ["other key", "no index", "array missing", "array corrupt", "other format"])
def test_a_stale_or_damaged_folder_is_never_read(tmp_path, damage):
    key = reference_cache.current_key()
    folder = tmp_path / "cache"
    # "other key": built by another version of the grader (or numpy, or machine).
    built_for = {**key, "grader": "0" * 64} if damage == "other key" else key
    reference_cache.write(folder, built_for, reference_cache.compute())
    index = json.loads((folder / "index.json").read_text())
    array = next(folder.glob("*.npy"))
    if damage == "no index":
        (folder / "index.json").unlink()
    elif damage == "array missing":
        array.unlink()
    elif damage == "array corrupt":
        array.write_bytes(array.read_bytes()[:60])
    elif damage == "other format":
        (folder / "index.json").write_text(json.dumps({**index, "format": 0}))
    assert reference_cache.read(folder, key) is None
    _, status = reference_cache.ensure(folder)  # against the real key: rebuilt
    assert status == "rebuilt" and reference_cache.read(folder, reference_cache.current_key()) is not None


def test_the_key_follows_the_grader_fingerprint(tmp_path):
    copy = tmp_path / "grader"
    for folder in ("assignments/gradlab", "solutions/gradlab"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__", "reference_cache"))
    spec = assignment.load(copy / "assignments" / "gradlab")
    before = reference_cache.current_key(spec)
    assert before == reference_cache.current_key()  # a copy of the same files: the same key
    rubric_file = copy / "assignments" / "gradlab" / "rubric.toml"
    rubric_file.write_text(rubric_file.read_text() + "\n")
    assert reference_cache.current_key(spec)["grader"] != before["grader"]


def test_scores_are_identical_with_and_without_the_cache(tmp_path, cache_at):
    uploads = [EXAMPLES / "complete", EXAMPLES / "backprop_mistakes.zip", EXAMPLES / "half_finished"]
    cache_at(tmp_path / "cache")
    assert reference_cache.ensure()[1] == "rebuilt"
    reference_cache.forget()
    assert reference_cache.ensure()[1] == "fresh"
    with_cache = [comparable(grade.grade(upload)[0]) for upload in uploads]
    # A folder that cannot be written (its parent is a file, whoever runs this): computed in memory.
    (tmp_path / "not-a-folder").write_text("")
    cache_at(tmp_path / "not-a-folder" / "cache")
    assert reference_cache.ensure()[1].startswith("not written")
    without = [comparable(grade.grade(upload)[0]) for upload in uploads]
    assert not (tmp_path / "not-a-folder" / "cache").exists()
    assert with_cache == without
    assert [d["score"] for d in with_cache] == [100, 77.6667, 56]


def _run(copy, *args):
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=copy, capture_output=True, text=True,
                          timeout=300)


def test_an_edited_reference_rebuilds_the_cache(tmp_path):
    """A copy of the grader whose reference trains differently: its cache, shipped stale, is
    rebuilt on the first grading, and the results carry the edited reference's runs."""
    copy = tmp_path / "grader"
    for folder in ("autograder", "assignments", "solutions/gradlab"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    assert _run(copy, "reference-cache").returncode == 0
    assert _run(copy, "reference-cache", "--check").returncode == 0
    original = json.loads((copy / "assignments" / "gradlab" / "reference_cache" / "index.json").read_text())
    optim = copy / "solutions" / "gradlab" / "optim.py"
    text = optim.read_text()
    step = 'w -= config["learning_rate"] * dw'
    assert text.count(step) == 1
    optim.write_text(text.replace(step, 'w -= 0.5 * config["learning_rate"] * dw'))

    check = _run(copy, "reference-cache", "--check")
    assert check.returncode == 1 and "stale" in check.stdout
    done = _run(copy, "grade", str(EXAMPLES / "complete"), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    rebuilt = json.loads((copy / "assignments" / "gradlab" / "reference_cache" / "index.json").read_text())
    assert rebuilt["key"]["grader"] != original["key"]["grader"]
    assert _run(copy, "reference-cache", "--check").returncode == 0
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    runs = [run for test in results["tests"] for run in test["extra_data"]["records"] if run["kind"] == "training_run"]
    assert len(runs) == len(convergence.RUNS)
    for run in runs:
        kind = convergence.MODELS[run["data"]]
        name = f"convergence-{kind}-{run['data']}-{run['seed']}"
        assert run["reference_loss"] == rebuilt["entries"][name]["values"]["loss"]
        assert run["reference_loss"] != original["entries"][name]["values"]["loss"]


def test_the_fingerprint_lists_regular_files_only(tmp_path):
    # A dangling link or a FIFO among the grader's files must neither fail nor block the fingerprint.
    for name in ("a.py", ".hidden.py", "__pycache__/a.cpython-311.pyc", "sub/b.toml", ".git/c.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n")
    (tmp_path / "gone.py").symlink_to(tmp_path / "nowhere.py")
    os.mkfifo(tmp_path / "pipe.toml")
    assert fingerprint.tree_files(tmp_path) == [tmp_path / "a.py", tmp_path / "sub" / "b.toml"]
    assert fingerprint.tree_files(tmp_path, hidden=True) == [tmp_path / n for n in (".git/c.py", ".hidden.py", "a.py",
                                                                                    "sub/b.toml")]
    assert fingerprint.tree_files(tmp_path, apart=[tmp_path / "sub"]) == [tmp_path / "a.py"]
