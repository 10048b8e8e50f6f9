"""Copies of the reference gradlab with some source edited: the synthetic submissions of the
benchmark, the tests' broken and hostile submissions."""
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "solutions" / "gradlab"


def copy_reference(dest, replacements=(), drop=()):
    """Copy solutions/gradlab to dest/gradlab, edited.

    Inputs:
    - dest: Path of a folder (created if missing).
    - replacements: iterable of (module, old text, new text); old must occur in the module.
    - drop: module names whose file is left out.

    Returns: dest.
    """
    package = Path(dest) / "gradlab"
    shutil.copytree(REFERENCE, package, ignore=shutil.ignore_patterns("__pycache__"))
    for module in drop:
        (package / f"{module}.py").unlink()
    for module, old, new in replacements:
        path = package / f"{module}.py"
        text = path.read_text()
        if old not in text:
            raise ValueError(f"{old!r} not found in {module}.py")
        path.write_text(text.replace(old, new))
    return Path(dest)
