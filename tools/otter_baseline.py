"""The benchmark's point of comparison: otter-grader grading a small notebook assignment.

`make bench` times `otter run` (otter-grader's own grader for one submission, without a
container) beside `python -m autograder grade`. The assignment is written here, in a temporary
folder, at bench time: a master notebook in otter's format with QUESTIONS (three numpy
functions of this unit, two tests each), turned into an autograder zip by `otter assign`; the
submission is the solved notebook `otter assign` writes beside the zip.
"""
import subprocess
import sys
from pathlib import Path

import nbformat

# Each question: (name, solution source, tests): every test an assert on the solution.
QUESTIONS = (
    ("relu", "def relu(x):\n    return np.maximum(0.0, x)\n",
     ["assert np.array_equal(relu(np.array([-1.0, 0.0, 2.0])), [0.0, 0.0, 2.0])",
      "assert relu(np.zeros((2, 3))).shape == (2, 3)"]),
    ("softmax", "def softmax(s):\n    e = np.exp(s - s.max(axis=1, keepdims=True))\n"
                "    return e / e.sum(axis=1, keepdims=True)\n",
     ["assert np.allclose(softmax(np.array([[1.0, 2.0, 3.0]])).sum(), 1.0)",
      "assert np.all(np.isfinite(softmax(np.array([[1e4, -1e4]]))))"]),
    ("sgd", "def sgd(w, dw, learning_rate=1e-2):\n    return w - learning_rate * dw\n",
     ["assert np.allclose(sgd(np.ones(3), np.ones(3), 0.5), 0.5)",
      "assert np.allclose(sgd(np.zeros(2), np.array([1.0, -1.0])), [-0.01, 0.01])"]),
)
CONFIG = ("# ASSIGNMENT CONFIG\nname: bench\nsolutions_pdf: false\nexport_cell: false\ninit_cell: false\n"
          "check_all_cell: false\nrun_tests: false\ngenerate:\n  seed: 0\n")


def master_notebook():
    """The master notebook in otter-assign's format: a nbformat NotebookNode."""
    cells = [nbformat.v4.new_raw_cell(CONFIG), nbformat.v4.new_code_cell("import numpy as np")]
    for name, solution, tests in QUESTIONS:
        cells.append(nbformat.v4.new_raw_cell(f"# BEGIN QUESTION\nname: {name}\npoints: {len(tests)}"))
        cells.append(nbformat.v4.new_code_cell("# BEGIN SOLUTION\n" + solution + "# END SOLUTION"))
        cells.append(nbformat.v4.new_raw_cell("# BEGIN TESTS"))
        cells += [nbformat.v4.new_code_cell(test) for test in tests]
        cells.append(nbformat.v4.new_raw_cell("# END TESTS"))
        cells.append(nbformat.v4.new_raw_cell("# END QUESTION"))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def otter_command():
    """How to run otter's command line with this interpreter's environment."""
    return [str(Path(sys.executable).parent / "otter")]


def make_assignment(folder):
    """Write the master notebook into folder and `otter assign` it.

    Returns: (autograder zip, submission notebook), the Paths `otter run` takes.
    """
    folder = Path(folder)
    master = folder / "bench.ipynb"
    nbformat.write(master_notebook(), master)
    subprocess.run(otter_command() + ["assign", str(master), str(folder / "dist")], cwd=folder, check=True,
                   capture_output=True, text=True, timeout=600)
    autograder = folder / "dist" / "autograder"
    return next(autograder.glob("*.zip")), autograder / "bench.ipynb"


def run_command(zip_path, submission, out):
    """The `otter run` command line that grades submission with the autograder zip into out."""
    return otter_command() + ["run", "-a", str(zip_path), "-o", str(out), "--no-logo", str(submission)]
