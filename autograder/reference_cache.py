"""Reference results that no submission changes, computed once and kept on disk.

What the reference decides alike for every submission (its own training runs, which the
convergence tests compare with; the reference's decision regions, which report.html draws;
inputs the checks build with the reference, such as random expression graphs; the
parsed rubric) is computed once, not in every grading process. It is kept in the
assignment's folder, <assignment>/reference_cache/:
- index.json: {"format": 1, "key": {...}, "entries": {name: {"values": JSON, "arrays": [names]}}};
- <name>.<array>.npy: one file per array, read with allow_pickle=False (never a pickle).

The key is what the results depend on: the grader's fingerprint (fingerprint.py: its code,
rubric and reference solutions), numpy's version and the machine. A folder whose key differs,
or that is missing or unreadable, is stale: the results are computed again and the folder is
rewritten (atomically: a new folder renamed into place). If it cannot be written (a read-only
source folder), the results computed are used by this process only. `make gradescope` builds
it into the bundle, and Gradescope's setup.sh checks it there (`python -m autograder
reference-cache`), so that grading a submission only reads it.
"""
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .fingerprint import grader_fingerprint

INDEX = "index.json"
FORMAT = 1


@dataclass(frozen=True)
class Entry:
    """One stored result: values (JSON data) and arrays (dict name -> read-only ndarray)."""
    values: dict
    arrays: dict


def folder_of(spec):
    """The folder that keeps the results of the assignment spec: its reference_cache/."""
    return spec.reference_cache_dir


def current_key(spec=None):
    """What the stored results of the assignment spec (default the current one) must have been
    computed with: dict of str."""
    # os.uname().machine is platform.machine() on Linux, without loading platform (2 ms before the first child)
    return {"grader": grader_fingerprint(spec=spec), "numpy": np.__version__, "machine": os.uname().machine}


def compute(spec=None):
    """Every result of the assignment spec (default the current one), computed from its reference
    now: dict name -> Entry. Its checks package may define reference_entries() (dict name -> Entry)."""
    # Imported here: these modules read their results through this one.
    from . import assignment, policy, rubric
    spec = assignment.current() if spec is None else spec
    data = (spec.folder / assignment.SPEC).read_bytes()
    entries = {"rubric": Entry({"tests": rubric.as_data(rubric.parse(spec))}, {}),
               "spec": Entry({"sha256": assignment.spec_digest(data), "table": assignment.read_table(spec.folder)}, {})}
    if spec.rubric_file.exists():  # the rubric's [policy], checked
        entries["policy"] = Entry({"table": policy.table(spec.rubric_file)}, {})
    own = getattr(spec.import_part("checks"), "reference_entries", None)
    if own is not None:
        entries.update(own())
    return entries


def read(folder, key):
    """The entries stored in folder if they were computed for key; None if stale or unreadable."""
    folder = Path(folder)
    try:
        index = json.loads((folder / INDEX).read_text(encoding="utf-8"))
        if index.get("format") != FORMAT or index.get("key") != key:
            return None
        entries = {}
        for name, stored in index["entries"].items():
            arrays = {}
            for array in stored["arrays"]:
                value = np.load(folder / f"{name}.{array}.npy", allow_pickle=False)
                value.flags.writeable = False  # shared by every grading of this process
                arrays[array] = value
            entries[name] = Entry(stored["values"], arrays)
        return entries
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write(folder, key, entries):
    """Store entries for key in folder, replacing it as a whole. Raises OSError if it cannot."""
    folder = Path(folder)
    fresh = Path(tempfile.mkdtemp(prefix=f".{folder.name}.new-", dir=folder.parent))
    try:
        index = {"format": FORMAT, "key": key, "entries": {}}
        for name, entry in sorted(entries.items()):
            for array, value in entry.arrays.items():
                np.save(fresh / f"{name}.{array}.npy", np.ascontiguousarray(value), allow_pickle=False)
            index["entries"][name] = {"values": entry.values, "arrays": sorted(entry.arrays)}
        (fresh / INDEX).write_text(json.dumps(index, indent=1, allow_nan=False) + "\n", encoding="utf-8")
        fresh.chmod(0o755)  # mkdtemp makes 0700; the folder is read like the rest of the grader
        old = folder.parent / f".{folder.name}.old-{os.getpid()}"
        if folder.exists():
            os.replace(folder, old)
        os.replace(fresh, folder)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)


def ensure(folder=None, spec=None):
    """The entries for the grader and assignment spec (default the current one) as they are now,
    from folder (default the assignment's reference_cache/) or computed.

    Returns: tuple (entries, status): status is "fresh" (read), "rebuilt" (computed and
    written) or "not written: <reason>" (computed, kept in memory only).
    """
    from .assignment import current
    spec = current() if spec is None else spec
    folder = folder_of(spec) if folder is None else Path(folder)
    key = current_key(spec)
    entries = read(folder, key)
    if entries is not None:
        return entries, "fresh"
    entries = compute(spec)
    try:
        write(folder, key, entries)
    except OSError as error:  # e.g. a read-only /autograder/source: correct, only slower
        return entries, f"not written: {error}"
    return read(folder, key) or entries, "rebuilt"


@lru_cache(maxsize=None)
def _entries(spec):
    return ensure(spec=spec)[0]


def entry(name, spec=None):
    """The stored result called name (an Entry) of the assignment spec (default the current one),
    loaded once per process."""
    from .assignment import current
    return _entries(current() if spec is None else spec)[name]


def forget():
    """Drop what this process loaded (tests; the next entry() reads or computes again)."""
    _entries.cache_clear()


def _run(args):
    from .assignment import current
    spec = current()
    folder = folder_of(spec)
    if args.check:
        fresh = read(folder, current_key(spec)) is not None
        print(f"{folder}: {'fresh' if fresh else 'stale: python -m autograder reference-cache rebuilds it'}")
        return 0 if fresh else 1
    _, status = ensure(folder, spec)
    print(f"{folder}: {status}")
    return 0


def add_parser(commands):
    """Add `reference-cache` to the subparsers of the command line."""
    parser = commands.add_parser("reference-cache", help="build the reference cache if it is stale (or --check it)")
    parser.add_argument("--check", action="store_true", help="only say whether it is fresh (exit 1 if stale)")
    parser.set_defaults(run=_run)
