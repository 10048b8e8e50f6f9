"""The grader's fingerprint: what decides every score, hashed (its code, rubric and reference).

The batch stores it beside each student's result (a change regrades everyone), and the
reference cache (reference_cache.py) beside the reference results it keeps.
"""
import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def grader_fingerprint(root=ROOT):
    """SHA-256 (hex) of the grader's code and rubric (root/autograder, *.py and *.toml) and of the
    reference solutions (root/solutions/gradlab/*.py): a change to any of them changes it."""
    root = Path(root)
    digest = hashlib.sha256()
    files = [p for p in (root / "autograder").rglob("*") if p.suffix in (".py", ".toml")]
    files += list((root / "solutions" / "gradlab").glob("*.py"))
    for path in sorted(p for p in files if "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
