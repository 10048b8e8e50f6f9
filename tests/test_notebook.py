"""The notebook of every assignment: the student version generated from the master, both
executed, both exported.

The master notebook runs top to bottom against the reference solutions and every
grader.check passes; the student notebook runs against the stubs, where every grader.check
cell reports its failures (naming the functions not done) instead of crashing. Both are
executed in temporary copies (the handout, and its working copy with the solutions in):
running a notebook leaves files behind (otter's .OTTER_LOG, caches) that must not land in the
solutions or the handout.
"""
import html
import os
import re
import shutil
import sys

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from autograder import assignment
from tools import make_assignment

ROOT = make_assignment.ROOT
# Each assignment: the pictures its master notebook draws at least (every section draws some),
# and the cells at least that hold a solution block (dropnorm's are all in its package).
PICTURES = {"gradlab": 10, "dropnorm": 2}
STUBBED_CELLS = {"gradlab": 3, "dropnorm": 0}
CHECK = re.compile(r'^grader\.check\("(q\d+)"\)$')
NOT_DONE = re.compile(r"NotImplementedError: (\S+) is not implemented yet")


def _notebook_name(spec):
    """The file name of the assignment's notebook: the one .ipynb of its solutions folder."""
    [path] = spec.solutions.glob("*.ipynb")
    return path.name


def _sections(spec):
    """The public test files' questions, q1, q2, ... in order."""
    return sorted((p.stem for p in (spec.solutions / "tests").glob("q*.py")), key=lambda q: int(q[1:]))


def _execute(folder, notebook_name, allow_errors):
    """Execute folder/notebook_name with the kernel's working directory in folder.

    A last cell, added here only, reports the kernel's interpreter: it must be this venv's.
    """
    notebook = nbformat.read(folder / notebook_name, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable)", id="which-python"))
    client = NotebookClient(notebook, timeout=180, kernel_name="python3", allow_errors=allow_errors,
                            resources={"metadata": {"path": str(folder)}})
    client.execute(env={**os.environ, "MPLBACKEND": "Agg"})
    assert notebook.cells.pop().outputs[0]["text"].strip() == sys.executable
    return notebook


def _check_cells(notebook):
    """{question: the code cell running grader.check(question)}."""
    return {CHECK.match(cell.source).group(1): cell for cell in notebook.cells
            if cell.cell_type == "code" and CHECK.match(cell.source)}


def _text(cell):
    return "\n".join(output.get("text", "") + output.get("data", {}).get("text/plain", "")
                     for output in cell.outputs)


def _test_count(spec, question):
    return len(re.findall(r"^def test_", (spec.solutions / "tests" / f"{question}.py").read_text(), re.M))


@pytest.fixture(scope="module", params=sorted(PICTURES))
def spec(request):
    return assignment.load(request.param)


@pytest.fixture(scope="module")
def master(spec, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"{spec.name}-solutions") / "solutions"
    make_assignment.build(folder, spec, stubs=False)
    return _execute(folder, _notebook_name(spec), allow_errors=False)


@pytest.fixture(scope="module")
def student(spec, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"{spec.name}-handout") / "handout"
    shutil.copytree(spec.handout, folder, ignore=shutil.ignore_patterns(*make_assignment.SKIP))
    return _execute(folder, _notebook_name(spec), allow_errors=True)


def test_master_notebook_runs_and_passes_every_check(spec, master):
    checks = _check_cells(master)
    assert list(checks) == _sections(spec)
    for question, cell in checks.items():
        assert f"{question} results: All test cases passed!" in _text(cell), _text(cell)
    pictures = [output for cell in master.cells for output in cell.get("outputs", [])
                if "image/png" in output.get("data", {})]
    assert len(pictures) >= PICTURES[spec.name], "every section draws its pictures"


def test_student_notebook_reports_what_is_not_done(spec, student):
    checks = _check_cells(student)
    assert list(checks) == _sections(spec)
    for question, cell in checks.items():
        text = _text(cell)
        assert not any(output.output_type == "error" for output in cell.outputs), text
        assert f"{question} results:" in text and "✅" not in text, text
        assert text.count("❌ Test case failed") == _test_count(spec, question), text
        assert NOT_DONE.search(text), f"the failures of {question} should name the function not done:\n{text}"


def test_student_notebook_cells_fail_only_for_missing_code(student):
    errors = [(cell.id, output.ename, output.evalue) for cell in student.cells
              for output in cell.get("outputs", []) if output.output_type == "error"]
    assert errors, "with the stubs, the cells that use them stop"
    for cell_id, ename, evalue in errors:
        assert ename == "NotImplementedError" and "not" in evalue, (cell_id, ename, evalue)


def test_both_notebooks_export_to_html(master, student):
    exporter = HTMLExporter()
    for notebook in (master, student):
        body, _ = exporter.from_notebook_node(notebook)
        assert body.lstrip().lower().startswith("<!doctype html")
        shown = html.unescape(re.sub(r"<[^>]+>", "", body))  # the page's text, highlighting spans dropped
        assert all(cell.source in shown for cell in _check_cells(notebook).values())
        drawn = any("image/png" in output.get("data", {})
                    for cell in notebook.cells for output in cell.get("outputs", []))
        assert drawn == ("data:image/png;base64" in body), "the export keeps every picture drawn"
        assert drawn or notebook is student, "the master draws its pictures"


@pytest.mark.parametrize("name", sorted(PICTURES))
def test_student_notebook_is_the_master_without_solutions_or_outputs(name):
    spec = assignment.load(name)
    master = nbformat.read(spec.solutions / _notebook_name(spec), as_version=4)
    student = nbformat.read(spec.handout / _notebook_name(spec), as_version=4)
    assert [cell.id for cell in student.cells] == [cell.id for cell in master.cells]
    changed = 0
    for ours, theirs in zip(master.cells, student.cells):
        if ours.cell_type == "markdown" or make_assignment.BEGIN not in ours.source:
            assert theirs.source == ours.source
            continue
        changed += 1
        assert make_assignment.BEGIN not in theirs.source and "NotImplementedError" in theirs.source
    assert changed >= STUBBED_CELLS[name]
    for cell in student.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            # Valid Python once the IPython magics (%...) are left out.
            compile("\n".join(line for line in cell.source.splitlines() if not line.startswith("%")),
                    cell.id, "exec")


@pytest.mark.parametrize("name", sorted(PICTURES))
def test_master_notebook_is_committed_without_outputs(name):
    spec = assignment.load(name)
    path = spec.solutions / _notebook_name(spec)
    notebook = nbformat.read(path, as_version=4)
    dirty = [cell.id for cell in notebook.cells if cell.cell_type == "code" and (cell.outputs or cell.execution_count)]
    assert not dirty, ("clear the outputs before committing: "
                       f"jupyter nbconvert --clear-output --inplace {path.relative_to(ROOT)} (cells {dirty})")


def _notebook(*sources):
    notebook = nbformat.v4.new_notebook()
    for k, source in enumerate(sources):
        cell = nbformat.v4.new_code_cell(source, id=f"cell-{k}", execution_count=k + 1)
        cell.outputs = [nbformat.v4.new_output("stream", text="old output\n")]
        cell.metadata["execution"] = {"iopub.status.idle": "2024-01-01T00:00:00Z"}
        notebook.cells.append(cell)
    notebook.cells.append(nbformat.v4.new_markdown_cell("### BEGIN SOLUTION stays in markdown", id="text"))
    return nbformat.writes(notebook)


def test_strip_notebook_stubs_blocks_at_top_level_and_in_functions():
    text = _notebook(
        "for i in range(3):\n"
        "    ### BEGIN SOLUTION\n"
        "    # HINT: square it.\n"
        "    y = i * i\n"
        "    ### END SOLUTION\n"
        "    print(y)",
        "def f(x):\n"
        "    ### BEGIN SOLUTION\n"
        "    return x + 1\n"
        "    ### END SOLUTION\n",
    )
    stripped = make_assignment.strip_notebook(text)
    assert stripped == make_assignment.strip_notebook(text), "the output must be deterministic"
    assert stripped.endswith("}\n")
    notebook = nbformat.reads(stripped, as_version=4)
    top, function, markdown = notebook.cells
    assert top.source == ("for i in range(3):\n"
                          "    # YOUR CODE HERE\n"
                          "    raise NotImplementedError('This cell is not done yet. Hint: square it.')\n"
                          "    print(y)")
    assert function.source == "def f(x):\n    raise NotImplementedError('f is not implemented yet.')\n"
    assert markdown.source == "### BEGIN SOLUTION stays in markdown"
    for cell in (top, function):
        assert cell.outputs == [] and cell.execution_count is None and "execution" not in cell.metadata


def test_strip_notebook_names_the_cell_of_a_malformed_block():
    with pytest.raises(ValueError, match="cell 1"):
        make_assignment.strip_notebook(_notebook("x = 1", "### BEGIN SOLUTION\nx = 2\n"), "nb.ipynb")


def test_modules_still_refuse_top_level_blocks():
    with pytest.raises(ValueError, match="not inside a function"):
        make_assignment.strip_solutions("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "m.py")
