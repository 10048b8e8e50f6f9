"""Grade a class folder into an output folder, and merge the output folders of shards.

OUT/<student>/ gets results.json and report.md (as `python -m autograder grade` writes them),
report.html, and grading.json, the batch's own record: the submission's content hash, the
grader's fingerprint, the status ("graded", "crashed" or "timeout"), a message and the
seconds it took. A student's files are written in a staging folder by the worker and moved
into place by this (trusted) process, results.json last and grading.json after it, so a
crash never leaves a mix of old and new files. OUT/gradebook.csv and OUT/summary.html are
then rebuilt from the student folders of the run.
"""
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import grade, results
from ..fingerprint import grader_fingerprint
from ..report import gradebook, html, runs, summary
from ..sandbox import Limits, spawner
from . import DEFAULT_TIMEOUT
from . import entries as entries_module
from . import pool
from .progress import Progress, duration

STATE = "grading.json"
LOG = "grading.log"
FILES = ("report.md", "report.html", "results.json")  # moved into place in this order
STAGING = ".staging"


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
    # A student's files written before the due date are rewritten once it has passed.
    return (state is not None and state.get("status") == "graded" and digest is not None
            and state.get("sha256") == digest and state.get("grader") == fingerprint
            and state.get("due_date_passed", True) == due_passed
            and all((folder / name).is_file() for name in FILES))


def _grade_job(staging, limits, due_passed):
    """The worker's job for one entry: grade it with limits and write its files into staging/<student>/."""
    def job(entry):
        folder = staging / entry.student
        document = grade.grade_to(entry.path, folder, limits, due_passed=due_passed)
        html.write_report(document, entry.student, folder / "report.html", due_passed=due_passed)
    return job


def _install(staging, out, entry):
    """Move a worker's files into OUT/<student>/ (results.json last)."""
    source, target = staging / entry.student, out / entry.student
    target.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        os.replace(source / name, target / name)
    shutil.rmtree(source, ignore_errors=True)


def _label(entry, state, out):
    if state["status"] != "graded":
        return f"{entry.student}: {state['status']}: {state['message']}"
    document = json.loads((out / entry.student / "results.json").read_text(encoding="utf-8"))
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
    found, ignored = entries_module.discover(submissions, exclude=[out])
    clash = [e.path.name for e in found if e.student in (gradebook.GRADEBOOK, gradebook.CANVAS, summary.SUMMARY)]
    if clash:
        raise BatchError(f"{', '.join(clash)}: a student id would overwrite a class file in OUT; rename it")
    if shard is not None:
        found = entries_module.shard(found, *shard)
    out.mkdir(parents=True, exist_ok=True)
    staging = out / STAGING
    shutil.rmtree(staging, ignore_errors=True)  # what a killed run left behind
    fingerprint = grader_fingerprint()
    tally, todo, digests = Tally(), [], {}
    for entry in found:
        digests[entry.student] = entries_module.content_hash(entry.path)
        if not force and _up_to_date(out / entry.student, digests[entry.student], fingerprint, due_passed):
            tally.skipped.append(entry.student)
        else:
            todo.append(entry)
    progress = Progress(len(todo), stream)
    if todo:
        spawner.zygote()  # boots while the reference trains; every worker forks its children from it
        runs.prewarm()  # the reference's runs, trained once here and inherited by every worker
        staging.mkdir()

    def done(entry, outcome):
        state = {"student": entry.student, "submission": entry.path.name, "sha256": digests[entry.student],
                 "grader": fingerprint, "status": "graded", "message": "", "seconds": round(outcome.seconds, 3),
                 "due_date_passed": due_passed}
        log = staging / f"{entry.student}.log"
        if outcome.status == "ok":
            try:
                _install(staging, out, entry)
            except OSError as error:  # e.g. the disk is full: this student is not graded, the batch goes on
                outcome = pool.Outcome("failed", f"the worker's files could not be moved into place ({error})",
                                       outcome.seconds)
        if outcome.status == "ok":
            tally.graded.append(entry.student)
            log.unlink(missing_ok=True)
        else:
            state.update(status="crashed" if outcome.status == "failed" else "timeout", message=outcome.message)
            shutil.rmtree(staging / entry.student, ignore_errors=True)
            (out / entry.student).mkdir(parents=True, exist_ok=True)
            if log.exists():
                os.replace(log, out / entry.student / LOG)  # kept for the course staff
            tally.failed.append(entry.student)
        results.write_atomic(out / entry.student / STATE, json.dumps(state, indent=1) + "\n")
        progress.advance(_label(entry, state, out))

    try:
        pool.run(todo, _grade_job(staging, limits, due_passed), jobs or default_jobs(), timeout, done,
                 log_path=lambda entry: staging / f"{entry.student}.log")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    students = [entry.student for entry in found]
    write_class_files(out, students, canvas)
    tally.graded.sort()
    tally.failed.sort()
    tally.seconds = time.monotonic() - start
    what = f"shard {shard[0]}/{shard[1]}: " if shard else ""
    note = f"; ignored {len(ignored)} other files ({', '.join(ignored[:3])})" if ignored else ""
    progress.close(f"{what}{len(students)} submissions: {len(tally.graded)} graded, {len(tally.skipped)} unchanged "
                   f"(skipped), {len(tally.failed)} could not be graded{note}; {duration(tally.seconds)} -> "
                   f"{out / gradebook.GRADEBOOK}")
    for student in tally.failed:
        progress.stream.write(f"  not graded: {student}: {read_state(out / student)['message']}\n")
    return tally


def write_class_files(out, students, canvas=None):
    """OUT/gradebook.csv, OUT/summary.html and, if canvas is a dict, OUT/canvas.csv, for students."""
    records = gradebook.load_records(out, students)
    gradebook.write(out / gradebook.GRADEBOOK, records)
    summary.write(out / summary.SUMMARY, records)
    if canvas is not None:
        gradebook.write_canvas(out / gradebook.CANVAS, records, **canvas)


def _replace_folder(source, target, staging):
    """Copy folder source to target, replacing target as a whole."""
    fresh, old = staging / f"{target.name}.new", staging / f"{target.name}.old"
    shutil.copytree(source, fresh)
    if target.exists():
        os.replace(target, old)
    os.replace(fresh, target)
    shutil.rmtree(old, ignore_errors=True)


def merge(shard_outs, out, canvas=None, stream=None):
    """Combine the output folders of shards into out: student folders, gradebook, summary.

    Inputs:
    - shard_outs: list of Paths, each the OUT of one `batch --shard K/N` run (with gradebook.csv).
    - out: Path of the merged output folder; may be one of shard_outs.
    - canvas: as for grade_class.

    Returns: a Tally (graded: the merged students). Raises BatchError if a shard has no
    gradebook or a student appears in two shards.
    """
    start = time.monotonic()
    out = Path(out)
    owner, fingerprints = {}, set()
    for folder in map(Path, shard_outs):
        book = folder / gradebook.GRADEBOOK
        if not book.is_file():
            raise BatchError(f"{folder} has no {gradebook.GRADEBOOK}: is it the --out folder of a batch run?")
        for row in gradebook.read(book):
            student = row["id"]
            if student in owner:
                raise BatchError(f"student {student!r} is in two shards, {owner[student]} and {folder}: "
                                 "were the shards made with the same N from the same submissions folder?")
            owner[student] = folder
            fingerprints.add((read_state(folder / student) or {}).get("grader"))
    out.mkdir(parents=True, exist_ok=True)
    staging = out / STAGING
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        for student, folder in sorted(owner.items()):
            if folder.resolve() != out.resolve() and (folder / student).is_dir():
                _replace_folder(folder / student, out / student, staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    students = sorted(owner)
    write_class_files(out, students, canvas)
    records = gradebook.load_records(out, students)
    tally = Tally(graded=[r.student for r in records if r.status == "graded"],
                  failed=[r.student for r in records if r.status != "graded"], seconds=time.monotonic() - start)
    progress = Progress(0, stream)
    if len(fingerprints - {None}) > 1:
        progress.stream.write("warning: the shards were graded by different versions of the grader or rubric\n")
    progress.close(f"merged {len(shard_outs)} folders: {len(students)} submissions, {len(tally.graded)} graded, "
                   f"{len(tally.failed)} not graded -> {out / gradebook.GRADEBOOK}")
    return tally
