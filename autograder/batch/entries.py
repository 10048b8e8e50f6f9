"""The submissions of a class: one entry per student, named after the student.

An entry is a folder or a .zip directly inside the submissions folder; the student's id is
the folder's name or the zip's name without .zip. Other files (a roster, a README) and hidden
entries are left alone. Nothing here reads more than bytes: no submission code is imported.
"""
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .. import submission
from . import names


class EntryError(Exception):
    """The submissions folder cannot be used at all (it is missing or not a folder)."""


@dataclass(frozen=True)
class Entry:
    """One student's submission: student id (names.student_id), the path of the folder or .zip,
    and why it is refused (None when it is graded)."""
    student: str
    path: Path
    problem: str = None


def _refuse_collisions(named):
    """Entries from (student, path) pairs: ids equal but for case or normalization are refused."""
    groups = {}
    for student, path, problem in named:
        groups.setdefault(names.collision_key(student), []).append((student, path, problem))
    result = []
    for group in groups.values():
        ids = sorted({student for student, _, _ in group})
        for student in ids:
            mine = [(path, problem) for s, path, problem in group if s == student]
            others = [s for s in ids if s != student]
            if others:
                problem = (f"its id differs from {', '.join(map(repr, others))} only by case or Unicode "
                           "normalization, so their folders in OUT would be one on a case-insensitive file "
                           "system; rename one of them")
            elif len(mine) > 1:
                problem = (f"it has {len(mine)} submissions ({', '.join(names.display(p.name) for p, _ in mine)}); "
                           "keep one of them")
            else:
                problem = mine[0][1]
            result.append(Entry(student, mine[0][0], problem))
    return result


def discover(folder, exclude=(), reserved=()):
    """The entries of a submissions folder, sorted by student id.

    Inputs:
    - folder: Path of the folder holding one folder or .zip per student.
    - exclude: paths never taken as entries.
    - reserved: names of class files in OUT; an id equal to one (ignoring case) is refused.

    Returns: a tuple of (entries: list of Entry, ignored: list of str names that are neither).
    Every folder or .zip gets an Entry; one that cannot be graded (a name that is not UTF-8 or
    too long, two submissions of one student, ids equal but for case or normalization, a class
    file's name) has its problem set, and costs only its own row.
    Raises EntryError if folder is not a folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise EntryError(f"{folder} is not a folder of submissions")
    excluded = {Path(p).resolve() for p in exclude}
    reserved = {names.collision_key(name) for name in reserved}
    named, ignored = [], []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.resolve() in excluded:
            continue
        if path.is_dir():
            name = path.name
        elif path.suffix.lower() == ".zip":
            name = path.name[:-4]
        else:
            ignored.append(names.display(path.name))
            continue
        student, problem = names.student_id(name)
        if problem is None and names.collision_key(student) in reserved:
            problem = "its id is the name of a class file in OUT; rename it"
        named.append((student, path, problem))
    return sorted(_refuse_collisions(named), key=lambda e: e.student), ignored


def _hashed_files(folder):
    """The files of a folder that grading can read: the trees it skips (.venv, .git, ...) are
    pruned unread, and at most submission.MAX_ENTRIES are listed, as submission.prepare does."""
    found = []
    for directory, subfolders, files in os.walk(folder):  # never follows links to folders
        kept = sorted(d for d in subfolders if d not in submission.IGNORED_PARTS)
        found += [Path(directory) / name for name in files]
        found += [Path(directory) / d for d in kept if os.path.islink(os.path.join(directory, d))]
        subfolders[:] = kept
        if len(found) > submission.MAX_ENTRIES:
            break
    return sorted(found)[:submission.MAX_ENTRIES]


def content_hash(path):
    """SHA-256 of a submission's content: a zip's bytes, or a folder's relative paths and file bytes.

    Symbolic links count by their target's name (they are never followed). Returns the hex
    digest, or None if some of it cannot be read (the submission is then always graded).
    """
    path = Path(path)
    digest = hashlib.sha256()
    try:
        files = [path] if path.is_file() else _hashed_files(path)
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
