"""The grader's fingerprint: what decides every score, hashed (the harness's code, and the
assignment's checks, rubric, child operations and reference).

The batch stores it beside each student's result (a change regrades everyone), and the
reference cache (reference_cache.py) beside the reference results it keeps.
"""
import hashlib
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def tree_files(folder, apart=(), hidden=False):
    """Paths of the regular files under folder (or links to one), sorted, without bytecode folders
    (__pycache__), the folders in apart (Paths) and, unless hidden, files and folders whose names
    start with a dot. os.walk: pathlib's rglob and its filters took some 6 ms of every grading
    process's start."""
    apart = {os.fspath(path) for path in apart}
    found = []
    for where, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if name != "__pycache__" and (hidden or not name.startswith("."))
                      and os.path.join(where, name) not in apart]
        found += [os.path.join(where, name) for name in files if hidden or not name.startswith(".")]
    return sorted(Path(path) for path in found if os.path.isfile(path))  # no dangling link, FIFO or socket


def grader_fingerprint(root=ROOT, spec=None):
    """SHA-256 (hex) of the harness's code (root/autograder, *.py and *.toml) and of the files of
    the Assignment spec (default the current one) the grader reads (Assignment.grader_files: its
    own *.py and *.toml, its reference's *.py): a change to any of them changes it. Paths are
    hashed relative to their folder, so that a copy of the assignment elsewhere agrees."""
    from .assignment import current
    spec = current() if spec is None else spec
    root = Path(root)
    harness = root / "autograder"
    named = {f"autograder/{p.relative_to(harness).as_posix()}": p
             for p in tree_files(harness, hidden=True) if p.suffix in (".py", ".toml")}
    for path in spec.grader_files():
        if path.suffix in (".py", ".toml"):
            base = spec.folder if path.is_relative_to(spec.folder) else spec.reference_dir
            label = "assignment" if base == spec.folder else "reference"
            named[f"{label}/{path.relative_to(base).as_posix()}"] = path
    digest = hashlib.sha256()
    for name in sorted(named):
        with open(named[name], "rb") as handle:
            digest.update(name.encode() + b"\0" + handle.read() + b"\0")
    return digest.hexdigest()
