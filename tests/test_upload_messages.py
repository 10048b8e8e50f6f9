"""What a TA or student meets first: a bare notebook upload gets the hint a zipped one gets, and no
message says the same thing twice."""
import zipfile
from collections import Counter

import pytest

from autograder import grade, submission
from autograder.checks.framework import not_implemented_message
from autograder.report.escape import inline
from mutate import ROOT

NOTEBOOK = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
EXAMPLES = ROOT / "examples" / "submissions"


def notes_of(upload, tmp_path):
    return submission.prepare(upload, tmp_path / "scratch").notes


def test_a_bare_notebook_gets_the_hint_a_zipped_one_gets(tmp_path):
    bare = tmp_path / "gradlab.ipynb"
    bare.write_text(NOTEBOOK)
    zipped = tmp_path / "upload.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("gradlab.ipynb", NOTEBOOK)
    (tmp_path / "a").mkdir()
    hint = notes_of(bare, tmp_path / "a")[0]
    assert hint == notes_of(zipped, tmp_path)[0]
    assert "not a .ipynb file" in hint and "make submit" in hint
    assert inline(hint) in grade.grade(bare)[0]["output"]  # as literal text in the Markdown


def repeated_phrases(text, words=5):
    """Runs of `words` words that occur more than once in text."""
    split = text.split()
    counts = Counter(tuple(split[i:i + words]) for i in range(len(split) - words + 1))
    return [" ".join(run) for run, count in counts.items() if count > 1]


@pytest.mark.parametrize("upload", [ROOT / "assignment", EXAMPLES / "backprop_mistakes.zip",
                                    EXAMPLES / "half_finished"], ids=lambda path: path.name)
def test_no_message_repeats_itself(upload):
    results = grade.grade(upload)[0]
    lines = results["output"].splitlines()
    assert len([line for line in lines if line]) == len(set(line for line in lines if line))
    for test in results["tests"]:
        for case in test["extra_data"]["cases"]:
            assert repeated_phrases(case["message"]) == [], case["message"]


def test_not_implemented_is_said_once():
    stub = "softmax_loss is not implemented yet. Hint: subtract each row's maximum."
    assert not_implemented_message("softmax_loss", stub) == stub
    message = "exp is not implemented yet. Hint: x"
    assert not_implemented_message("Var", message) == message
    assert not_implemented_message("sgd", "") == "sgd is not implemented yet"
    assert not_implemented_message("sgd", "todo") == "sgd is not implemented yet (NotImplementedError: todo)"
