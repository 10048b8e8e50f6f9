"""The submissions of a class: one entry per student, named after the student.

An entry is a folder or a .zip directly inside the submissions folder; the student's id is
the folder's name or the zip's name without .zip. Other files (a roster, a README) and hidden
entries are left alone. Nothing here reads more than bytes: no submission code is imported.
"""
import hashlib
import stat
from dataclasses import dataclass
from pathlib import Path


class EntryError(Exception):
    """The submissions folder cannot be used as given (missing, two entries for one student)."""


@dataclass(frozen=True)
class Entry:
    """One student's submission: student id and the path of the folder or .zip."""
    student: str
    path: Path


def discover(folder, exclude=()):
    """The entries of a submissions folder, sorted by student id.

    Inputs:
    - folder: Path of the folder holding one folder or .zip per student.
    - exclude: paths never taken as entries (e.g. an output folder inside it).

    Returns: a tuple of (entries: list of Entry, ignored: list of str names that are neither).
    Raises EntryError if folder is not a folder or a student has two entries.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise EntryError(f"{folder} is not a folder of submissions")
    excluded = {Path(p).resolve() for p in exclude}
    entries, ignored, seen = [], [], {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.resolve() in excluded:
            continue
        if path.is_dir():
            student = path.name
        elif path.suffix.lower() == ".zip":
            student = path.name[:-4]
        else:
            ignored.append(path.name)
            continue
        if student in seen:
            raise EntryError(f"student {student!r} has two submissions, {seen[student].name} and {path.name}; "
                             "keep one of them")
        seen[student] = path
        entries.append(Entry(student, path))
    return sorted(entries, key=lambda e: e.student), ignored


def content_hash(path):
    """SHA-256 of a submission's content: a zip's bytes, or a folder's relative paths and file bytes.

    Symbolic links count by their target's name (they are never followed). Returns the hex
    digest, or None if some of it cannot be read (the submission is then always graded).
    """
    path = Path(path)
    digest = hashlib.sha256()
    try:
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if not p.is_dir() or p.is_symlink())
        for file in files:
            info = file.lstat()
            name = file.name if file == path else file.relative_to(path).as_posix()
            digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
            if stat.S_ISLNK(info.st_mode):
                digest.update(b"link\0" + str(file.readlink()).encode("utf-8", "surrogateescape"))
            elif stat.S_ISREG(info.st_mode):
                with open(file, "rb") as handle:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(block)
            digest.update(b"\0")
    except OSError:
        return None
    return digest.hexdigest()


def parse_shard(text):
    """"K/N" -> (K, N) with 1 <= K <= N; raises ValueError with a readable message."""
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard takes K/N, e.g. 2/8, not {text!r}") from None
    if not 1 <= k <= n:
        raise ValueError(f"--shard {text}: K must be between 1 and N")
    return k, n


def shard(entries, k, n):
    """The K-th of N shards: every N-th entry in student order, starting at the K-th.

    Deterministic for a given class (all shards list the same submissions folder), disjoint,
    together complete, and balanced to within one student.
    """
    ordered = sorted(entries, key=lambda e: e.student)
    return ordered[k - 1::n]
