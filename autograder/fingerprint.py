"""The grader's fingerprint: what decides every score, hashed (its code, the assignment's checks,
rubric and reference).

The batch stores it beside each student's result (a change regrades everyone), and the
reference cache (reference_cache.py) beside the reference results it keeps.
"""
import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def grader_fingerprint(root=ROOT, spec=None):
    """SHA-256 (hex) of the grader's code (root/autograder, *.py and *.toml), of the assignment's
    folder (its checks, child operations, rubric: *.py and *.toml) and of its reference
    solutions (*.py of the reference package): a change to any of them changes it."""
    from .assignment import current  # the current assignment (default: the default one)
    spec = current() if spec is None else spec
    root = Path(root)
    digest = hashlib.sha256()
    named = {}
    for base, label in ((root / "autograder", "autograder"), (spec.folder, "assignment"),
                        (spec.reference_dir, "reference")):
        pattern = "*" if label != "reference" else "*.py"
        for path in Path(base).rglob(pattern):
            if path.suffix in (".py", ".toml") and "__pycache__" not in path.parts and path.is_file():
                named[f"{label}/{path.relative_to(base).as_posix()}"] = path
    for name in sorted(named):
        digest.update(name.encode() + b"\0" + named[name].read_bytes() + b"\0")
    return digest.hexdigest()
