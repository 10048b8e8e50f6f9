"""Generate the student handout from the reference solutions: the single source.

Every file under the assignment's solutions folder is copied to its handout folder (both named
by its spec, autograder/assignment.py), beside the files every handout shares (tools/handout/:
the submit tool, the public tests' support code, pytest.ini, requirements.txt) and
assignment.json, which tells the submit tool the package and its modules. In Python files of
the solutions each block fenced by
`### BEGIN SOLUTION` / `### END SOLUTION` becomes `raise NotImplementedError(...)` naming the
enclosing function and quoting the block's `# HINT:` line. Docstrings, signatures and
provided code stay as they are.

Notebooks (.ipynb) get the same treatment cell by cell: code cells lose their solution blocks
(a block outside any function becomes `# YOUR CODE HERE` and a `raise NotImplementedError`),
every output and execution count is cleared, so the student notebook is byte-for-byte
determined by the master notebook.

Usage: python -m tools.make_assignment [--check] [--assignment NAME|PATH]
  --check  compare instead of writing; exit 1 when the handout is stale.
"""
import argparse
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

from autograder import assignment

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END, HINT = "### BEGIN SOLUTION", "### END SOLUTION", "# HINT:"
# Never copied: caches, and what running the notebook or the submit tool leaves behind.
SKIP = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints", ".OTTER_LOG", "submission.zip"}
YOUR_CODE = "# YOUR CODE HERE"
COMMON = ROOT / "tools" / "handout"  # the files every handout holds, whatever the assignment
SETTINGS = "assignment.json"  # read by the submit tool: {"package": name, "modules": [...]}
DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+(\w+)|^(\s*)class\s+(\w+)")


def _indent(line):
    return len(line) - len(line.lstrip())


def _qualname(lines, index, indent):
    """Dotted name of the function enclosing lines[index], whose body has the given indent;
    None at top level."""
    names, limit = [], indent
    for line in reversed(lines[:index]):
        match = DEF.match(line)
        if match and _indent(line) < limit:
            names.append(match.group(2) or match.group(4))
            limit = _indent(line)
    return ".".join(reversed(names)) or None


def strip_solutions(text, origin="<text>", top_level=False):
    """Replace every solution block of a Python source text by a stub.

    Inputs:
    - text: str, Python source with fenced solution blocks.
    - origin: str, the file name for error messages.
    - top_level: bool; if True (notebook cells), a block outside any function is allowed and
      becomes `# YOUR CODE HERE` and `raise NotImplementedError("This cell is not done yet...")`;
      if False (modules), such a block is an error.

    Returns:
    - str, the source with each block replaced by `raise NotImplementedError("<qualname> ...")`.
    """
    lines = text.splitlines(keepends=True)
    out, i = [], 0
    while i < len(lines):
        if lines[i].strip() != BEGIN:
            if lines[i].strip() == END:
                raise ValueError(f"{origin}:{i + 1}: {END} without {BEGIN}")
            out.append(lines[i])
            i += 1
            continue
        indent = _indent(lines[i])
        name = _qualname(lines, i, indent)
        if name is None and not top_level:
            raise ValueError(f"{origin}:{i + 1}: solution block is not inside a function")
        hint = ""
        j = i + 1
        while j < len(lines) and lines[j].strip() != END:
            if not hint and lines[j].strip().startswith(HINT):
                hint = lines[j].strip()[len(HINT):].strip()
            j += 1
        if j == len(lines):
            raise ValueError(f"{origin}:{i + 1}: {BEGIN} without {END}")
        if name is None:
            out.append(" " * indent + YOUR_CODE + "\n")
            message = "This cell is not done yet."
        else:
            message = f"{name} is not implemented yet."
        message += f" Hint: {hint}" if hint else ""
        out.append(" " * indent + f"raise NotImplementedError({message!r})\n")
        i = j + 1
    return "".join(out)


def strip_notebook(text, origin="<notebook>"):
    """Student version of a notebook: solution blocks stubbed, outputs cleared.

    Inputs:
    - text: str, the master notebook as JSON (nbformat 4).
    - origin: str, the file name for error messages.

    Returns:
    - str, the student notebook as JSON: every code cell's source passed through
      strip_solutions (top-level blocks allowed), its outputs and execution count cleared,
      and the execution timings of nbclient dropped from every cell's metadata.
    """
    notebook = nbformat.reads(text, as_version=4)
    for index, cell in enumerate(notebook.cells):
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        source = strip_solutions(cell.source, f"{origin} cell {index}", top_level=True)
        cell.source = source if cell.source.endswith("\n") else source.removesuffix("\n")
        cell.outputs = []
        cell.execution_count = None
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def settings(spec):
    """The text of a handout's assignment.json: the package and the modules its zip holds
    ("__init__", the package itself, among them), sorted."""
    modules = sorted({"__init__", *spec.modules})
    return json.dumps({"package": spec.package, "modules": modules}, indent=1) + "\n"


def _sources(spec):
    """dict relative path -> source path of every file a handout is made of: the shared files
    (COMMON) and the assignment's solutions folder; a path in both is an error (two sources)."""
    def files(root):
        return {path.relative_to(root): path for path in sorted(root.rglob("*")) if path.is_file()
                and not any(part in SKIP for part in path.relative_to(root).parts)}
    common, own = files(COMMON), files(spec.solutions)
    both = sorted(str(name) for name in common.keys() & own.keys())
    if both or SETTINGS in own:
        raise ValueError(f"{spec.solutions}: {', '.join(both) or SETTINGS} is also made by the generator "
                         f"({COMMON}): remove it from the solutions")
    return {**common, **own}


def build(target, spec=None, stubs=True):
    """Write the whole handout tree of the Assignment spec (default the default one) into the
    folder target.

    stubs: if True (the handout), the solution blocks of the solutions' .py files and notebooks
    become stubs; if False, they are copied as they are (the reference's working copy: the
    handout with the solutions in, where the master notebook, the public tests and the submit
    tool run against the reference).
    """
    spec = spec or assignment.load()
    for relative, path in _sources(spec).items():
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        own = path.is_relative_to(spec.solutions)
        if stubs and own and path.suffix == ".py":
            destination.write_text(strip_solutions(path.read_text(), str(relative)))
        elif stubs and own and path.suffix == ".ipynb":
            text = strip_notebook(path.read_text(encoding="utf-8"), str(relative))
            destination.write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(path, destination)
    (target / SETTINGS).write_text(settings(spec))


def differences(left, right):
    """Relative paths that differ between two folder trees: missing on one side, or changed."""
    def files(root):
        return {path.relative_to(root): path for path in root.rglob("*")
                if path.is_file() and not SKIP & set(path.relative_to(root).parts)}
    a, b = files(left), files(right)
    return sorted(str(name) for name in a.keys() | b.keys()
                  if name not in a or name not in b or a[name].read_bytes() != b[name].read_bytes())


def _shown(path):
    """path relative to the repository when inside it, else as it is."""
    try:
        return path.relative_to(ROOT)
    except ValueError:
        return path


def regenerate(argv, folders, build_into, stale=differences, target_name="assignment"):
    """The command line shared by the generators: rebuild target, or with --check compare.

    Inputs:
    - argv: command-line arguments (None for sys.argv); --assignment chooses the assignment.
    - folders: function spec -> (target, source): the generated folder, and what it is
      generated from (named in the messages).
    - build_into: function (folder, spec) writing a fresh tree into the folder it is given.
    - stale: function (fresh, current) -> list of differing paths.
    - target_name: the make target that regenerates it (named in the message).

    Returns: the exit code, 1 when --check finds target stale.
    """
    parser = argparse.ArgumentParser(description="Generate a folder of an assignment from its solutions.")
    parser.add_argument("--check", action="store_true", help="exit 1 if the generated folder is stale")
    assignment.add_option(parser)
    args = parser.parse_args(argv)
    spec = assignment.use(args.assignment)
    target, source = folders(spec)
    name = _shown(target)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / target.name
        build_into(fresh, spec)
        if args.check:
            found = stale(fresh, target) if target.exists() else [f"{name}/ (missing)"]
            if found:
                default = spec.name == assignment.load().name
                remedy = f"make {target_name}" + ("" if default else f" ASSIGNMENT={spec.name}")
                print(f"{name}/ is stale; regenerate it ({remedy}). Differs: " + ", ".join(found))
                return 1
            print(f"{name}/ is up to date")
            return 0
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(fresh, target)
    print(f"wrote {name}/ from {_shown(source)}/")
    return 0


def main(argv=None):
    return regenerate(argv, lambda spec: (spec.handout, spec.solutions), build)


if __name__ == "__main__":
    sys.exit(main())
