"""The grader's fingerprint: what decides every score, hashed (the harness's code, and the
assignment's checks, rubric, child operations and reference).

The batch stores it beside each student's result (a change regrades everyone), and the
reference cache (reference_cache.py) beside the reference results it keeps.
"""
import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def grader_fingerprint(root=ROOT, spec=None):
    """SHA-256 (hex) of the harness's code (root/autograder, *.py and *.toml) and of the files of
    the Assignment spec (default the current one) the grader reads (Assignment.grader_files: its
    own *.py and *.toml, its reference's *.py): a change to any of them changes it. Paths are
    hashed relative to their folder, so that a copy of the assignment elsewhere agrees."""
    from .assignment import current
    spec = current() if spec is None else spec
    root = Path(root)
    named = {f"autograder/{p.relative_to(root / 'autograder').as_posix()}": p
             for p in (root / "autograder").rglob("*") if p.suffix in (".py", ".toml") and "__pycache__" not in p.parts}
    for path in spec.grader_files():
        if path.suffix in (".py", ".toml"):
            base = spec.folder if path.is_relative_to(spec.folder) else spec.reference_dir
            label = "assignment" if base == spec.folder else "reference"
            named[f"{label}/{path.relative_to(base).as_posix()}"] = path
    digest = hashlib.sha256()
    for name in sorted(named):
        digest.update(name.encode() + b"\0" + named[name].read_bytes() + b"\0")
    return digest.hexdigest()
