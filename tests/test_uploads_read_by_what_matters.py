"""Uploads are read by what matters: the module files at the places the contract names are found
first, whatever else the upload holds; ignored trees cost nothing; limits say so once."""
import zipfile

import pytest

from autograder import submission
from mutate import ROOT

MODULES = sorted((ROOT / "examples" / "submissions" / "complete" / "gradlab").glob("*.py"))


def handout_copy(folder):
    """A copy of the handout with the finished package in it: folder/gradlab/*.py."""
    (folder / "gradlab").mkdir(parents=True)
    for path in MODULES:
        (folder / "gradlab" / path.name).write_bytes(path.read_bytes())
    return folder


@pytest.mark.parametrize("tree", [".venv/lib/python3.11/site-packages/pkg", ".git/objects/ab", "node_modules/x"])
def test_a_copy_with_a_huge_ignored_tree_is_graded(tmp_path, tree):
    folder = handout_copy(tmp_path / "assignment")
    (folder / tree).mkdir(parents=True)
    for i in range(submission.MAX_ENTRIES + 100):  # alone, more than the walk looks at
        (folder / tree / f"f{i}.py").write_bytes(b"")
    prepared = submission.prepare(folder, tmp_path / "scratch")
    assert prepared.missing == [] and prepared.notes == []


def test_look_alikes_cannot_hide_the_real_modules_and_get_one_note_each_at_most(tmp_path):
    folder = handout_copy(tmp_path / "upload")
    for i in range(submission.MAX_MEMBERS + 10):
        (folder / f"losses ({i}).py").write_bytes(b"x = 1\n")
    prepared = submission.prepare(folder, tmp_path / "scratch")
    assert prepared.missing == []
    assert len(prepared.notes) <= submission.MAX_ADVICE + 2
    assert sum("ignored the rest of the upload" in note for note in prepared.notes) == 1


def test_in_a_zip_the_module_files_come_before_the_limit(tmp_path):
    path = tmp_path / "upload.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(submission.MAX_MEMBERS + 10):
            archive.writestr(f"junk/f{i}.txt", b"")
        for i in range(3000):
            archive.writestr(f"assignment/.git/objects/{i}", b"")
        for module in MODULES:
            archive.writestr(f"assignment/gradlab/{module.name}", module.read_bytes())
    prepared = submission.prepare(path, tmp_path / "scratch")
    assert prepared.missing == []
    assert [n for n in prepared.notes if "ignored the rest" in n] == [
        f"ignored the rest of the upload: more than {submission.MAX_MEMBERS} files"]
