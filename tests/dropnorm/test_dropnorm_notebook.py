"""dropnorm's notebook: the master runs top to bottom on the reference with every grader.check
passing; the student's runs on the stubs, every check cell reporting what is not done.

tests/test_notebook.py does the same for the default assignment only (its notebook's name is
written into it); each notebook runs in a temporary copy of its folder (otter leaves files)."""
import os
import re
import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from autograder import assignment
from tools import make_assignment

SPEC = assignment.load("dropnorm")
CHECK = re.compile(r'^grader\.check\("(q\d+)"\)$')


def _executed(folder, tmp_path):
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy, ignore=shutil.ignore_patterns(*make_assignment.SKIP))
    notebook = nbformat.read(copy / "dropnorm.ipynb", as_version=4)
    NotebookClient(notebook, timeout=180, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(copy)}}).execute(env={**os.environ, "MPLBACKEND": "Agg"})
    return notebook


def _outputs(cell):
    return "\n".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") + o.get("evalue", "")
                     for o in cell.outputs)


@pytest.mark.parametrize("folder, done", [("solutions", True), ("handout", False)])
def test_notebook_runs_and_its_checks_say_what_is_done(folder, done, tmp_path):
    notebook = _executed(getattr(SPEC, folder), tmp_path)
    checks = {CHECK.match(c.source).group(1): c for c in notebook.cells
              if c.cell_type == "code" and CHECK.match(c.source)}
    assert sorted(checks) == ["q1", "q2", "q3"]
    for question, cell in checks.items():
        text = _outputs(cell)
        assert not any(o.get("output_type") == "error" for o in cell.outputs), (question, text[-500:])
        assert ("passed" in text and "failed" not in text.lower()) if done else "not implemented yet" in text, \
            (question, text[-800:])
    if done:  # every other cell ran too
        errors = [_outputs(c)[-300:] for c in notebook.cells
                  if c.cell_type == "code" and any(o.get("output_type") == "error" for o in c.outputs)]
        assert errors == []
