"""The students' submit command (tools/handout/submit.py, shipped in every handout as submit.py,
reading the package and modules from the handout's assignment.json).

It refuses a package that does not import, warns about unfinished functions without
blocking, and writes a zip of exactly the graded modules, which the grader accepts as is.
Runs happen in temporary copies: the handout, and its working copy with the solutions in.
"""
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

from autograder import assignment
from tools import make_assignment

ROOT = make_assignment.ROOT
ASSIGNMENTS = ["gradlab", "dropnorm"]


def _load_submit():
    spec = importlib.util.spec_from_file_location("submit", make_assignment.COMMON / "submit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


submit = _load_submit()
PACKAGE, MODULES = submit.settings(assignment.load().handout)  # the default assignment's
EXPECTED = sorted(f"{PACKAGE}/{module}.py" for module in MODULES)


def _expected(spec):
    return sorted(f"{spec.package}/{module}.py" for module in submit.settings(spec.handout)[1])


@pytest.fixture
def copy_of(tmp_path):
    """copy(what, name=None): a temporary copy of the handout of the assignment name (default
    the default one) if what is "assignment", of its working copy (the handout with the
    solutions in) if what is "solutions"."""
    def copy(what, name=None):
        spec = assignment.load(name)
        destination = tmp_path / f"{spec.name}-{what}"
        if what == "assignment":
            shutil.copytree(spec.handout, destination, ignore=shutil.ignore_patterns(*make_assignment.SKIP))
        else:
            make_assignment.build(destination, spec, stubs=False)
        return destination
    return copy


def _run(folder, *command):
    return subprocess.run(list(command), cwd=folder, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_submitted_modules_are_the_whole_package(name):
    spec = assignment.load(name)
    package, modules = submit.settings(spec.handout)
    assert package == spec.package
    assert sorted(modules) == sorted(path.stem for path in spec.reference_dir.glob("*.py"))
    assert set(modules) == {"__init__", *spec.modules}


def test_a_handout_without_its_settings_gets_a_sentence(copy_of, capsys):
    folder = copy_of("assignment")
    (folder / "assignment.json").unlink()
    assert submit.main([], root=folder) == 1
    assert "Cannot read assignment.json beside this tool" in capsys.readouterr().out


def test_unfinished_functions_are_found_statically():
    source = (
        "def done(x):\n    return x\n"
        "def stub(x):\n    '''Doc.'''\n    raise NotImplementedError('stub is not implemented yet.')\n"
        "def bare():\n    raise NotImplementedError\n"
        "def started(x):\n    y = x\n    raise NotImplementedError\n"
        "def checked(x):\n    if x is None:\n        raise ValueError('x')\n"
        "    raise NotImplementedError('checked is not implemented yet. Hint: h.')\n"
        "def borrowed(x):\n    y = x\n    raise NotImplementedError('other is not implemented yet.')\n"
        "def other():\n    raise ValueError('no')\n"
        "class A:\n    def method(self):\n        raise NotImplementedError()\n"
        "    def fine(self):\n        return 1\n"
        "raise_at_import = None\n"
    )
    assert submit.unfinished_functions(source) == ["stub", "bare", "checked", "A.method"]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_submit_builds_the_zip_of_the_solutions(copy_of, name):
    folder = copy_of("solutions", name)
    run = _run(folder, sys.executable, "submit.py")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "warning" not in run.stdout
    expected = _expected(assignment.load(name))
    with zipfile.ZipFile(folder / "submission.zip") as archive:
        assert sorted(archive.namelist()) == expected
        for member in expected:
            assert archive.read(member) == (folder / member).read_bytes()
    first = (folder / "submission.zip").read_bytes()
    assert _run(folder, sys.executable, "submit.py").returncode == 0
    assert (folder / "submission.zip").read_bytes() == first, "the same files make the same zip"


@pytest.mark.parametrize("name, at_least", [("gradlab", 40), ("dropnorm", 5)])
def test_make_submit_warns_about_every_stub_and_still_builds_the_zip(copy_of, name, at_least):
    spec = assignment.load(name)
    folder = copy_of("assignment", name)
    run = _run(folder, "make", "-s", "submit", f"PYTHON={sys.executable}")
    assert run.returncode == 0, run.stdout + run.stderr
    stubs = set(re.findall(r"raise NotImplementedError\(['\"]([\w.]+) is not implemented yet",
                           "".join(path.read_text() for path in (folder / spec.package).glob("*.py"))))
    warned = set(re.findall(rf"{spec.package}/\w+\.py: (.*)", run.stdout))
    warned = {name for line in warned for name in line.split(", ")}
    assert len(stubs) >= at_least and warned == stubs
    assert f"{len(stubs)} functions are not done yet" in run.stdout
    with zipfile.ZipFile(folder / "submission.zip") as archive:
        assert sorted(archive.namelist()) == _expected(spec)


def test_submit_refuses_modules_that_do_not_import(copy_of, capsys):
    folder = copy_of("solutions")
    package = folder / "gradlab"
    with open(package / "nets.py", "a") as handle:
        handle.write("broken = (\n")
    with open(package / "losses.py", "a") as handle:
        handle.write("import a_module_nobody_has\n")
    assert submit.main([], root=folder) == 1
    out = capsys.readouterr().out
    assert re.search(r"gradlab/nets\.py does not import: gradlab/nets\.py:\d+: SyntaxError", out), out
    assert re.search(r"gradlab/losses\.py does not import: gradlab/losses\.py:\d+: ModuleNotFoundError", out), out
    assert "Not written" in out and not (folder / "submission.zip").exists()


def test_submit_leaves_out_other_files_and_says_so(copy_of, capsys):
    folder = copy_of("solutions")
    (folder / "gradlab" / "my_helpers.py").write_text("HELP = 1\n")
    (folder / "gradlab" / "regularizers.py").unlink()
    assert submit.main([], root=folder) == 1, "a missing module blocks the submission"
    assert "gradlab/regularizers.py does not import: the file is missing" in capsys.readouterr().out
    shutil.copy(assignment.load().reference_dir / "regularizers.py", folder / "gradlab")
    assert submit.main(["--output", str(folder / "upload.zip")], root=folder) == 0
    assert "not submitted (the grader uses only the modules above): my_helpers.py" in capsys.readouterr().out
    with zipfile.ZipFile(folder / "upload.zip") as archive:
        assert sorted(archive.namelist()) == EXPECTED


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_grader_accepts_the_zip_as_is(copy_of, tmp_path, name):
    from autograder import submission  # the grader's reader of uploads

    spec = assignment.load(name)
    folder = copy_of("assignment", name)
    assert _run(folder, sys.executable, "submit.py").returncode == 0
    prepared = submission.prepare(folder / "submission.zip", tmp_path / "scratch", spec)
    assert prepared.notes == [] and prepared.missing == [] and set(prepared.found) == set(spec.modules)
    for module, origin in prepared.found.items():
        handed_out = folder / spec.package / f"{module}.py"
        # A provided module is always the grader's own copy, the same text the handout holds.
        assert origin == ("(provided by the grader)" if module in spec.provided else f"{spec.package}/{module}.py")
        assert (prepared.root / spec.package / f"{module}.py").read_bytes() == handed_out.read_bytes()


def test_the_grader_gives_the_solutions_zip_full_marks(copy_of, tmp_path):
    folder = copy_of("solutions")
    assert _run(folder, sys.executable, "submit.py").returncode == 0
    run = _run(ROOT, sys.executable, "-m", "autograder", "grade", str(folder / "submission.zip"),
               "--out", str(tmp_path / "out"))
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["score"] == sum(test["max_score"] for test in results["tests"]) > 0


def test_submit_refuses_a_package_the_grader_does_not_have(copy_of, capsys, tmp_path):
    # matplotlib is installed beside the handout (the notebook plots with it), not on the grader.
    folder = copy_of("solutions")
    with open(folder / "gradlab" / "optim.py", "a") as handle:
        handle.write("\nimport matplotlib.pyplot as plt\nfrom os import path\nfrom . import data\n")
    assert submit.foreign_imports((folder / "gradlab" / "optim.py").read_text(), "gradlab") == ["matplotlib"]
    assert submit.main([], root=folder) == 1
    out = capsys.readouterr().out
    sentence = "imports a package that is not installed on the grader: No module named 'matplotlib'"
    assert f"gradlab/optim.py does not import: it {sentence}" in out and not (folder / "submission.zip").exists()
    # The grader says the same of the same module.
    from autograder import grade
    results, _ = grade.grade(folder)
    assert results["extra_data"]["modules"]["optim"] == \
        f"gradlab/optim.py {sentence}. Use only numpy and the standard library."


def test_numpy_is_pinned_to_one_version_everywhere():
    import tomllib

    import numpy

    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = [d for d in dependencies if d.startswith("numpy")]
    handout = [line for line in (make_assignment.COMMON / "requirements.txt").read_text().splitlines()
               if line.startswith("numpy")]
    assert pins == handout == [f"numpy=={numpy.__version__}"]
