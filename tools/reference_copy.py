"""Copies of an assignment's reference package with some source edited: the synthetic
submissions of the benchmark, the tests' broken and hostile submissions."""
import shutil
from pathlib import Path

from autograder import assignment

ROOT = Path(__file__).resolve().parent.parent


def copy_reference(dest, replacements=(), drop=(), spec=None):
    """Copy the reference package of the Assignment spec (default the current one) to
    dest/<package>, edited.

    Inputs:
    - dest: Path of a folder (created if missing).
    - replacements: iterable of (module, old text, new text); old must occur in the module.
    - drop: module names whose file is left out.
    - spec: the Assignment (assignment.py).

    Returns: dest.
    """
    spec = assignment.current() if spec is None else spec
    package = Path(dest) / spec.package
    shutil.copytree(spec.reference_dir, package, ignore=shutil.ignore_patterns("__pycache__"))
    for module in drop:
        (package / f"{module}.py").unlink()
    for module, old, new in replacements:
        path = package / f"{module}.py"
        text = path.read_text()
        if old not in text:
            raise ValueError(f"{old!r} not found in {module}.py")
        path.write_text(text.replace(old, new))
    return Path(dest)
