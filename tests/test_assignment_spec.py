"""The assignment spec (autograder/assignment.py): found by name or by path, a bad spec names its
file and field, and a scratch copy of assignments/gradlab grades exactly as the original."""
import json
import re
import shutil
import subprocess
import sys

import pytest

from autograder import assignment
from mutate import ROOT

EXAMPLES = ROOT / "examples" / "submissions"
GOOD = (ROOT / "assignments" / "gradlab" / "assignment.toml").read_text()


def scratch_copy(tmp_path):
    """assignments/gradlab and solutions/gradlab copied to tmp_path as they sit in the repository,
    so that the spec's relative paths hold; returns the copied assignment folder."""
    for part in ("assignments/gradlab", "solutions/gradlab"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__", "reference_cache"))
    return tmp_path / "assignments" / "gradlab"


def test_the_default_is_named_in_assignments_default_and_loads_by_name():
    spec = assignment.load()
    assert spec == assignment.load("gradlab") == assignment.load(ROOT / "assignments" / "gradlab")
    assert spec.package == "gradlab" and spec.graded[0] == "losses" and spec.provided == ("data",)
    assert spec.reference_dir == ROOT / "solutions" / "gradlab" and spec.handout == ROOT / "assignment"
    assert spec.modules == spec.graded + spec.provided


@pytest.mark.parametrize("edit, field", [
    (lambda text: text.replace('package = "gradlab"\n', ""), "'package' is missing"),
    (lambda text: text.replace('package = "gradlab"', 'package = "grad-lab"'), "'package' must be a Python package name"),
    (lambda text: text.replace('graded = [', 'graded = [3, '), "'graded' must be a list of module names"),
    (lambda text: text.replace('provided = ["data"]', 'provided = ["losses"]'), "'graded' and 'provided' share"),
    (lambda text: text.replace('solutions = "../../solutions"', 'solutions = "nowhere"'), "field 'solutions'"),
    (lambda text: text + "name = [", "not valid TOML"),
])
def test_a_bad_spec_names_its_file_and_field(tmp_path, edit, field):
    folder = scratch_copy(tmp_path)
    (folder / "assignment.toml").write_text(edit(GOOD))
    with pytest.raises(assignment.AssignmentError) as error:
        assignment.parse(folder)
    assert str(folder / "assignment.toml") in str(error.value) and field in str(error.value)


def test_an_unknown_name_or_a_folder_without_a_spec_is_a_clear_error(tmp_path):
    with pytest.raises(assignment.AssignmentError, match="no assignment named 'nope'.*known: .*gradlab"):
        assignment.load("nope")
    with pytest.raises(assignment.AssignmentError, match="assignment.toml: no such file"):
        assignment.load(tmp_path)
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(EXAMPLES / "empty"), "--out",
                           str(tmp_path / "out"), "--assignment", "nope"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2 and "no assignment named 'nope'" in done.stderr


def _scores(out):
    document = json.loads((out / "results.json").read_text())
    return [(t["extra_data"]["id"], t["score"], t["max_score"]) for t in document["tests"]], document["score"]


def test_a_scratch_copy_given_by_path_grades_as_the_original_by_name(tmp_path):
    folder = scratch_copy(tmp_path)
    runs = {}
    for label, choice in (("name", "gradlab"), ("path", str(folder))):
        out = tmp_path / label
        done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(EXAMPLES / "half_finished"),
                               "--out", str(out), "--assignment", choice], cwd=ROOT, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        runs[label] = _scores(out)
    assert runs["path"] == runs["name"] and runs["name"][1] == 56
    assert (folder / "reference_cache" / "index.json").is_file()  # the copy keeps its own cache


def _declared(**fields):
    from autograder.checks.framework import Declared
    return Declared(lambda t: None, **fields)


def test_the_rubric_is_what_the_checks_declare_with_rubric_toml_on_top():
    from autograder import rubric
    declared = {"a": _declared(points=2, visibility="hidden", functions=("f",), name="a: declared"),
                "b": _declared(functions=("g",)), "c": _declared(points=1.5, functions=("h", "f"))}
    tests = rubric.combine(declared, {"b": {"points": 3}, "a": {"visibility": "visible"}})
    assert [(t.id, t.points, t.visibility, t.functions, t.name) for t in tests] == [
        ("b", 3.0, "visible", ("g",), "b"), ("a", 2.0, "visible", ("f",), "a: declared"),
        ("c", 1.5, "visible", ("h", "f"), "c")]
    assert rubric.total(tests) == 6.5  # computed, not pinned


@pytest.mark.parametrize("declared, overrides, message", [
    ({"a": {"functions": ("f",)}}, {}, "test a: no points"),
    ({"a": {"points": 1}}, {}, "needs points >= 0 and at least one function"),
    ({"a": {"points": 1, "functions": ("f",)}}, {"z": {"points": 1}}, "tests ['z'] have no check"),
    ({"a": {"points": 1, "functions": ("f",), "visibility": "soon"}}, {}, "visibility must be one of"),
])
def test_a_rubric_entry_that_cannot_be_graded_is_refused_by_name(declared, overrides, message):
    from autograder import rubric
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        rubric.combine({k: _declared(**v) for k, v in declared.items()}, overrides, "x/rubric.toml")
    assert str(error.value).startswith("x/rubric.toml: ")
