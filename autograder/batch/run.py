"""Grade a class folder into an output folder, and merge the output folders of shards.

OUT/<student>/ gets results.json and report.md (as `python -m autograder grade` writes them),
report.html, and grading.json, the batch's own record: the submission's content hash, the
grader's fingerprint, the status ("graded", "crashed" or "timeout"), a message and the
seconds it took. A student's files are written in a staging folder by the worker and moved
into place by this (trusted) process, results.json last and grading.json after it, so a
crash never leaves a mix of old and new files. OUT/gradebook.csv and OUT/summary.html are
then rebuilt from the student folders of the run, and OUT/batch.json records the run (its
shard K/N, the grader's fingerprint, the class it was cut from, its students, the refused
ones, whether it finished). grading.json keeps the SHA-256 of the results.json it goes with:
merge and the skip of unchanged work trust a results.json only when it matches.

One batch or merge at a time writes to an OUT (a lock on OUT/.batch.lock); a submission that
cannot be graded costs only its own row, and a failed regrade renames the previous grading's
files stale-* so they never look current.
"""
import contextlib
import csv
import fcntl
import hashlib
import json
import os
import shutil
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import adjust, adjustments, grade, lanes, reference_cache, results
from ..fingerprint import grader_fingerprint
from ..report import gradebook, html, plugins, summary
from ..sandbox import Limits, spawner
from . import DEFAULT_TIMEOUT
from . import entries as entries_module
from . import names, pool
from .progress import Progress, duration

STATE = "grading.json"
LOG = "grading.log"
FILES = ("report.md", "report.html", "results.json")  # moved into place in this order
STALE = "stale-"  # prefix of the files of a grading that a failed regrade replaced
STUDENT_FILES = (*FILES, STATE, LOG, *(STALE + name for name in FILES), adjustments.STAMP)  # what merge copies
STAGING = ".staging"
LOCK = ".batch.lock"
MANIFEST = "batch.json"
# Class files: never a student.
RESERVED = (gradebook.GRADEBOOK, gradebook.CANVAS, summary.SUMMARY, MANIFEST, adjustments.FILE)


class BatchError(Exception):
    """The batch cannot start or the merge cannot be done as asked; the message says why."""


@dataclass
class Tally:
    """What a batch or merge did: student ids by what happened, and its wall-clock time."""
    graded: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def exit_code(self):
        """0 when every submission has a result, 1 when some could not be graded."""
        return 1 if self.failed else 0


def default_jobs():
    """One worker per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def read_state(folder):
    """A student folder's grading.json as a dict, or None if absent or unreadable."""
    try:
        return json.loads((Path(folder) / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _up_to_date(folder, digest, fingerprint, due_passed):
    state = read_state(folder)
    if not (state is not None and state.get("status") == "graded" and digest is not None
            and state.get("sha256") == digest and state.get("grader") == fingerprint
            # A student's files written before the due date are rewritten once it has passed.
            and state.get("due_date_passed", True) == due_passed
            and all((folder / name).is_file() for name in FILES)):
        return False
    try:
        return gradebook.results_problem(state, (folder / "results.json").read_bytes()) is None
    except OSError:
        return False


def _grade_job(staging, limits, due_passed):
    """The worker's job for one entry: grade it with limits and write its files into staging/<key>/."""
    report_plugins = plugins.current()  # loaded here, once: every forked worker inherits them

    def job(entry):
        folder = staging / names.key(entry.student)
        document = grade.grade_to(entry.path, folder, limits, due_passed=due_passed, lanes=lanes.pinned_here())
        html.write_report(document, entry.student, folder / "report.html", due_passed=due_passed,
                          plugins=report_plugins)
    return job


def _install(staging, out, entry):
    """Move a worker's files into OUT/<student>/ (results.json last); returns results.json's SHA-256."""
    source, target = staging / names.key(entry.student), out / entry.student
    digest = hashlib.sha256((source / "results.json").read_bytes()).hexdigest()
    target.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        os.replace(source / name, target / name)
    for name in FILES:
        (target / (STALE + name)).unlink(missing_ok=True)
    shutil.rmtree(source, ignore_errors=True)
    return digest


def _make_stale(folder):
    """Rename the files of folder's previous grading stale-*; returns a sentence if there were any."""
    moved = False
    for name in FILES:
        if (folder / name).is_file():
            os.replace(folder / name, folder / (STALE + name))
            moved = True
    return " (the files of the previous grading were renamed stale-*)" if moved else ""


@contextlib.contextmanager
def _lock(out):
    """Hold OUT's lock (a POSIX record lock: released when this process ends, never inherited by
    forked workers); raises BatchError at once if another process holds it."""
    path = Path(out) / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
            raise BatchError(f"{out} is in use by another batch or merge ({holder}); wait until it ends, or give "
                             "another --out") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, since {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def _refuse_nesting(inner, inner_name, outer, outer_name):
    """BatchError if the folders inner and outer are the same or one holds the other."""
    a, b = Path(inner).resolve(), Path(outer).resolve()
    if a == b or a.is_relative_to(b) or b.is_relative_to(a):
        raise BatchError(f"{inner_name} {inner} and {outer_name} {outer} are the same folder or one holds the "
                         "other; give separate folders")


def _class_of(found):
    """What every shard of one class shares: its number of entries and a hash of their ids."""
    digest = hashlib.sha256("\0".join(e.student for e in found).encode("utf-8", "surrogatepass"))
    return {"entries": len(found), "sha256": digest.hexdigest()}


def write_manifest(out, manifest):
    """OUT/batch.json (atomically)."""
    results.write_atomic(Path(out) / MANIFEST, json.dumps(manifest, indent=1) + "\n")


def _label(entry, state, out):
    if state["status"] != "graded":
        return f"{entry.student}: {state['status']}: {state['message']}"
    document = json.loads((out / entry.student / "results.json").read_bytes())
    total = sum(test["max_score"] for test in document["tests"])
    return f"{entry.student}: {document['score']:.4g} / {total:g} ({duration(state['seconds'])})"


def grade_class(submissions, out, jobs=None, force=False, shard=None, timeout=DEFAULT_TIMEOUT,
                canvas=None, stream=None, limits=Limits(), due_passed=True):
    """Grade every submission of a folder (or one shard of them) into out.

    Inputs:
    - submissions: Path of the folder with one folder or .zip per student.
    - out: Path of the output folder (created).
    - jobs: int, worker processes at a time; default one per core.
    - force: bool, regrade also what is graded and unchanged.
    - shard: None or (K, N): grade only the K-th of N deterministic shards.
    - timeout: float, wall-clock seconds for one submission before its worker is stopped.
    - canvas: None or dict of gradebook.write_canvas keyword arguments: also write canvas.csv.
    - stream: text stream for the progress bar and closing line, default stderr.
    - limits: Limits of each submission's sandbox (e.g. its time budget).
    - due_passed: whether the due date has passed; if not, what a student sees (report.html, the
      output of results.json) counts only the tests visible before it (see visibility.py).

    Returns: a Tally. Raises BatchError (or entries.EntryError) if the batch cannot start.
    """
    start = time.monotonic()
    if jobs is not None and jobs < 1 or timeout <= 0:
        raise BatchError("--jobs and --timeout must be positive")
    submissions, out = Path(submissions), Path(out)
    if not submissions.is_dir():
        raise entries_module.EntryError(f"{submissions} is not a folder of submissions")
    _refuse_nesting(out, "--out", submissions, "SUBMISSIONS")
    adjustments.read(out / adjustments.FILE)  # a malformed adjustments.csv stops the batch before any grading
    found, ignored = entries_module.discover(submissions, reserved=RESERVED)
    whole = _class_of(found)
    if shard is not None:
        found = entries_module.shard(found, *shard)
    out.mkdir(parents=True, exist_ok=True)
    with _lock(out):
        return _grade_locked(found, ignored, whole, out, jobs, force, shard, timeout, canvas, stream, limits,
                             due_passed, start)


def _grade_locked(found, ignored, whole, out, jobs, force, shard, timeout, canvas, stream, limits, due_passed,
                  start):
    """grade_class, once OUT is locked."""
    staging = out / STAGING
    shutil.rmtree(staging, ignore_errors=True)  # what a killed run left behind
    fingerprint = grader_fingerprint()
    tally, todo, digests = Tally(), [], {}
    refused = {e.student: e.problem for e in found if e.problem}
    for entry in found:
        if entry.problem:
            tally.failed.append(entry.student)
            folder = out / entry.student
            if names.unsafe(entry.student) is None and folder.is_dir() and not folder.is_symlink():
                refused[entry.student] += _make_stale(folder)
                results.write_atomic(folder / STATE, json.dumps(
                    {"student": entry.student, "submission": names.display(entry.path.name), "status": "refused",
                     "message": refused[entry.student]}, indent=1) + "\n")
            continue
        digests[entry.student] = entries_module.content_hash(entry.path)
        if not force and _up_to_date(out / entry.student, digests[entry.student], fingerprint, due_passed):
            tally.skipped.append(entry.student)
        else:
            todo.append(entry)
    progress = Progress(len(todo), stream)
    if todo:
        spawner.zygote()  # boots while the reference trains; every worker forks its children from it
        reference_cache.entry("rubric")  # the reference's results, read once here and inherited by every worker
        staging.mkdir(exist_ok=True)

    def done(entry, outcome):
        state = {"student": entry.student, "submission": names.display(entry.path.name),
                 "sha256": digests[entry.student], "grader": fingerprint, "status": "graded", "message": "",
                 "seconds": round(outcome.seconds, 3), "due_date_passed": due_passed}
        key = names.key(entry.student)
        log = staging / f"{key}.log"
        if outcome.status == "ok":
            try:
                state["results_sha256"] = _install(staging, out, entry)
            except OSError as error:  # e.g. the disk is full: this student is not graded, the batch goes on
                outcome = pool.Outcome("failed", f"the worker's files could not be moved into place ({error})",
                                       outcome.seconds)
        if outcome.status == "ok":
            tally.graded.append(entry.student)
            log.unlink(missing_ok=True)
        else:
            shutil.rmtree(staging / key, ignore_errors=True)
            folder = out / entry.student
            folder.mkdir(parents=True, exist_ok=True)
            message = outcome.message + _make_stale(folder)
            state.update(status="crashed" if outcome.status == "failed" else "timeout", message=message)
            if log.exists():
                os.replace(log, folder / LOG)  # kept for the course staff
            tally.failed.append(entry.student)
        results.write_atomic(out / entry.student / STATE, json.dumps(state, indent=1) + "\n")
        progress.advance(_label(entry, state, out))

    students = [entry.student for entry in found]
    finished = False
    try:
        pool.run(todo, _grade_job(staging, limits, due_passed), jobs or default_jobs(), timeout, done,
                 log_path=lambda entry: staging / f"{names.key(entry.student)}.log",
                 cpus=sorted(os.sched_getaffinity(0)))
        finished = True
        if shard is None:  # a shard sees part of the class: compare after merging (`make similarity`)
            from ..similarity.command import after_batch
            after_batch(found, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        # Written whatever happened (an interrupt too): the rows of what is not graded say so.
        unapplied = write_class_files(out, students, canvas, refused)
        write_manifest(out, {"shard": list(shard or (1, 1)), "grader": fingerprint, "class": whole,
                             "finished": finished, "students": students, "refused": refused})
    tally.graded.sort()
    tally.failed.sort()
    tally.seconds = time.monotonic() - start
    what = f"shard {shard[0]}/{shard[1]}: " if shard else ""
    note = f"; ignored {len(ignored)} other files ({', '.join(ignored[:3])})" if ignored else ""
    progress.close(f"{what}{len(students)} submissions: {len(tally.graded)} graded, {len(tally.skipped)} unchanged "
                   f"(skipped), {len(tally.failed)} could not be graded{note}; {duration(tally.seconds)} -> "
                   f"{out / gradebook.GRADEBOOK}")
    for student in tally.failed:
        why = refused.get(student) or (read_state(out / student) or {}).get("message", "")
        progress.line(f"  not graded: {student}: {why}")
    for problem in unapplied:
        progress.line(f"  adjustment: {problem}")
    return tally


def write_class_files(out, students, canvas=None, refused=None):
    """OUT/gradebook.csv, OUT/summary.html and, if canvas is a dict, OUT/canvas.csv, for students
    (refused: dict id -> reason, for entries refused as named, which have no folder of their own),
    with OUT/adjustments.csv applied (adjustments.py). Returns the adjustments not applied (sentences)."""
    records = gradebook.load_records(out, students, refused)
    records, problems, column = adjust.apply_to_class(out, records)
    gradebook.write(out / gradebook.GRADEBOOK, records, column)
    summary.write(out / summary.SUMMARY, records, plugins.current())
    if canvas is not None:
        gradebook.write_canvas(out / gradebook.CANVAS, records, **canvas)
    return problems


def _copy_student(source, target, staging):
    """Copy the files of a student folder (STUDENT_FILES that are regular files; no link is
    followed) to target, replacing target as a whole. Results and reports are copied only beside
    a grading.json that says graded (and merge has verified them): never a current-looking result
    that no grading vouches for."""
    key = names.key(target.name)
    fresh, old = staging / f"{key}.new", staging / f"{key}.old"
    fresh.mkdir()
    state = _read_json(source / STATE) or {}
    vouched = state.get("status") == "graded"
    for name in STUDENT_FILES:
        if name in FILES and not vouched:
            continue
        try:
            fd = os.open(source / name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except FileNotFoundError:
            continue
        with open(fd, "rb") as handle:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                (fresh / name).write_bytes(handle.read())
    if os.path.lexists(target):
        os.replace(target, old)  # a link is moved, never followed
    os.replace(fresh, target)
    shutil.rmtree(old, ignore_errors=True)


def _read_json(path):
    """A JSON object from a regular file (not a link), or None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with open(fd, "rb") as handle:
            data = json.loads(handle.read()) if stat.S_ISREG(os.fstat(fd).st_mode) else None
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


@dataclass
class _Shard:
    folder: Path
    manifest: dict
    students: list


def _read_shard(folder):
    """A shard's batch.json and the ids of its gradebook.csv, checked against each other."""
    book = folder / gradebook.GRADEBOOK
    if not book.is_file():
        raise BatchError(f"{folder} has no {gradebook.GRADEBOOK}: is it the --out folder of a batch run?")
    manifest = _read_json(folder / MANIFEST)
    if manifest is None or not all(isinstance(manifest.get(k), t) for k, t in
                                   (("shard", list), ("grader", str), ("class", dict), ("students", list),
                                    ("refused", dict))):
        raise BatchError(f"{folder} has no readable {MANIFEST}: run its batch again with this grader (unchanged "
                         "submissions are skipped), then merge")
    try:
        students = [row["id"] for row in gradebook.read(book)]
    except (OSError, ValueError, KeyError, csv.Error) as error:
        raise BatchError(f"{book} cannot be read ({error})") from None
    for student in students:  # a refused id is never used as a path (its row has no folder)
        problem = None if student in manifest["refused"] else names.unsafe(student)
        if problem:
            raise BatchError(f"{book} lists the id {student!r}, which cannot be a folder inside --out ({problem}); "
                             "nothing was merged")
    if sorted(students) != sorted(manifest["students"]) or len(set(students)) != len(students):
        raise BatchError(f"{book} and {folder / MANIFEST} list different students: was one of them edited? "
                         "Run the shard's batch again")
    return _Shard(folder, manifest, students)


def _check_shards(shards, allow_missing, allow_duplicates, allow_mixed):
    """BatchError unless the shards are the N shards of one class, graded by one grader (or
    the TA allowed otherwise); returns (the warnings to print, whether every shard is there and finished)."""
    warnings = []
    try:
        cuts = {(int(s.manifest["shard"][0]), int(s.manifest["shard"][1])) for s in shards}
    except (TypeError, ValueError, IndexError):
        raise BatchError(f"a {MANIFEST} has an unreadable shard number") from None
    ns = {n for _, n in cuts}
    if len(ns) > 1:
        raise BatchError(f"the shards were cut in different numbers of shards ({', '.join(map(str, sorted(ns)))}); "
                         "merge shards of one --shard K/N split")
    if len({json.dumps(s.manifest["class"], sort_keys=True) for s in shards}) > 1:
        raise BatchError("the shards were made from different submissions folders (their lists of students "
                         "differ); grade every shard from the same SUBMISSIONS")
    graders = {s.manifest["grader"] for s in shards}
    if len(graders) > 1:
        if not allow_mixed:
            raise BatchError("the shards were graded by different versions of the grader or rubric; run the "
                             "batch of the older shards again, or merge anyway with --allow-mixed-graders")
        warnings.append("warning: the shards were graded by different versions of the grader or rubric")
    n = ns.pop()
    ks = [int(s.manifest["shard"][0]) for s in shards]
    twice = sorted({k for k in ks if ks.count(k) > 1})
    missing = sorted(set(range(1, n + 1)) - set(ks))
    unfinished = [str(s.folder) for s in shards if s.manifest.get("finished") is not True]
    if twice and not allow_duplicates:
        raise BatchError(f"shard {', '.join(f'{k}/{n}' for k in twice)} is given more than once; give each shard "
                         "once, or merge anyway with --allow-duplicates (the last folder given wins)")
    if (missing or unfinished) and not allow_missing:
        what = [f"shard {', '.join(f'{k}/{n}' for k in missing)} is missing"] if missing else []
        what += [f"{', '.join(unfinished)} did not finish its batch"] if unfinished else []
        raise BatchError(f"{'; '.join(what)}; merge every shard, or merge what there is with --allow-missing")
    warnings += [f"warning: shard {k}/{n} is missing: its students are not in the merged gradebook"
                 for k in missing]
    warnings += [f"warning: {folder} did not finish its batch" for folder in unfinished]
    return warnings, not (missing or unfinished)


def _student_problem(folder, student, manifest):
    """Why folder/student cannot be merged as the shard recorded it, or None."""
    if student in manifest["refused"]:
        return None
    source = folder / student
    try:
        info = os.lstat(source)
    except FileNotFoundError:
        return None  # its row says "no results"
    if not stat.S_ISDIR(info.st_mode):
        return f"{source} is not a folder (a symbolic link?)"
    state = _read_json(source / STATE)
    if state is None:
        return None  # its row says "no results"
    if state.get("student") != student:
        return f"{source / STATE} is about {state.get('student')!r}, not {student!r}"
    if state.get("grader") != manifest["grader"]:
        return f"{source / STATE} was written by another grader than the shard's"
    if state.get("status") != "graded":
        return None
    try:
        fd = os.open(source / "results.json", os.O_RDONLY | os.O_NOFOLLOW)
        with open(fd, "rb") as handle:
            problem = gradebook.results_problem(state, handle.read())
    except OSError as error:
        problem = f"results.json cannot be read ({error})"
    return f"{source}: {problem}" if problem else None


def merge(shard_outs, out, canvas=None, stream=None, allow_missing=False, allow_duplicates=False,
          allow_mixed=False):
    """Combine the output folders of shards into out: student folders, gradebook, summary.

    Inputs:
    - shard_outs: list of Paths, each the OUT of one `batch --shard K/N` run (with gradebook.csv
      and batch.json).
    - out: Path of the merged output folder; may be one of shard_outs, never inside one or holding one.
    - canvas: as for grade_class.
    - allow_missing: merge even when shards (or finished batches) are missing, with a warning.
    - allow_duplicates: merge a shard given twice (a student's last folder given wins).
    - allow_mixed: merge shards graded by different versions of the grader.

    Before anything is written, every shard and every student is checked: the shards are the N
    shards of one class (same N, same class, same grader, each K once); every id is a plain
    folder name; every graded student's results.json is the one its grading.json recorded (its
    SHA-256) and its score is the sum of its tests. Returns a Tally (graded: the merged
    students). Raises BatchError naming what is wrong; then nothing is written.
    """
    start = time.monotonic()
    out = Path(out)
    shards = [_read_shard(Path(folder)) for folder in shard_outs]
    for shard in shards:
        if shard.folder.resolve() != out.resolve():
            _refuse_nesting(out, "--out", shard.folder, "the shard")
    warnings, complete = _check_shards(shards, allow_missing, allow_duplicates, allow_mixed)
    owner = {}
    for shard in shards:
        for student in shard.students:
            if student in owner and not allow_duplicates:
                raise BatchError(f"student {student!r} is in two shards, {owner[student].folder} and {shard.folder}: "
                                 "were the shards made with the same N from the same submissions folder?")
            owner[student] = shard
    expected = shards[0].manifest["class"].get("entries") if isinstance(shards[0].manifest["class"], dict) else None
    if isinstance(expected, int) and len(owner) != expected:
        message = (f"the shards list {len(owner)} students, but the class they were cut from has {expected}: "
                   "a student was dropped from a shard's batch.json or gradebook.csv")
        if not allow_missing:
            raise BatchError(message + "; merge what there is with --allow-missing")
        warnings.append(f"warning: {message}")
    problems = [p for p in (_student_problem(s.folder, student, s.manifest) for student, s in owner.items()) if p]
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise BatchError("some results do not match their grading, so nothing was merged: "
                         + "; ".join(problems[:5]) + more)
    adjustments.read(out / adjustments.FILE)  # a malformed adjustments.csv: nothing is merged
    out.mkdir(parents=True, exist_ok=True)
    students = sorted(owner)
    refused = {s: owner[s].manifest["refused"][s] for s in students if s in owner[s].manifest["refused"]}
    with _lock(out):
        staging = out / STAGING
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        try:
            for student in students:
                folder = owner[student].folder
                if folder.resolve() != out.resolve() and student not in refused and (folder / student).is_dir():
                    _copy_student(folder / student, out / student, staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        unapplied = write_class_files(out, students, canvas, refused)
        graders = {s.manifest["grader"] for s in shards}
        write_manifest(out, {"shard": [1, 1], "grader": graders.pop() if len(graders) == 1 else "mixed",
                             "class": shards[0].manifest["class"], "finished": complete, "students": students,
                             "refused": refused, "merged_from": [str(s.folder) for s in shards]})
    records = gradebook.load_records(out, students, refused)
    tally = Tally(graded=[r.student for r in records if r.status == "graded"],
                  failed=[r.student for r in records if r.status != "graded"], seconds=time.monotonic() - start)
    progress = Progress(0, stream)
    for warning in warnings + [f"adjustment: {problem}" for problem in unapplied]:
        progress.line(warning)
    progress.close(f"merged {len(shard_outs)} folders: {len(students)} submissions, {len(tally.graded)} graded, "
                   f"{len(tally.failed)} not graded -> {out / gradebook.GRADEBOOK}")
    return tally
