"""Run one job per forked process, a few at a time, with a wall-clock timeout each.

Why fork and one process per submission: the parent has already imported numpy,
the grader and the reference (and trained the reference runs, and started the sandbox's
zygote), so a child starts in a few milliseconds; and whatever goes wrong while grading one submission (an exception, a
segfault, a hang) ends that process only. The parent is single-threaded, which keeps fork
safe, and never runs a job itself.
"""
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import wait

TERM_GRACE = 3.0  # seconds between SIGTERM (the job cleans up its sandbox) and SIGKILL
MESSAGE_BYTES = 4000
PR_SET_PDEATHSIG = 1


def _die_with_parent(parent):
    """Have the kernel send this process SIGTERM when its parent ends (Linux), so that no worker
    of a killed batch goes on writing into OUT; and end now if the parent is already gone."""
    try:
        ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the parent's own handler kills its workers
        pass
    if os.getppid() != parent:
        os._exit(1)


@dataclass
class Outcome:
    """How one job ended.

    - status: "ok", "failed" (raised or died) or "timeout".
    - message: str, why it failed ("" when ok).
    - seconds: float, wall-clock time of the job's process.
    """
    status: str
    message: str
    seconds: float


def _child(job, item, sender, log_path, parent, cpu):
    """Body of the forked process: run job(item) on processor cpu (None: anywhere); report an
    exception through the pipe."""
    if cpu is not None:
        try:
            os.sched_setaffinity(0, {cpu})
        except OSError:
            pass

    def stop(signum, frame):
        raise SystemExit(f"stopped by signal {signum} (time limit, or the batch ended)")
    signal.signal(signal.SIGTERM, stop)  # so the job's `with` blocks (its sandbox) clean up
    _die_with_parent(parent)
    if log_path is not None:  # keep the batch's progress bar clean: the job's own output goes to a log
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
        sys.stdout = open(1, "w", closefd=False)  # also when sys.stdout/stderr were not fds 1/2
        sys.stderr = open(2, "w", closefd=False)
    try:
        job(item)
    except BaseException as error:  # noqa: BLE001 - everything is reported, nothing escapes
        frames = traceback.extract_tb(error.__traceback__)
        where = f" ({os.path.basename(frames[-1].filename)}, line {frames[-1].lineno})" if frames else ""
        sender.send(f"{type(error).__name__}: {error}{where}"[:MESSAGE_BYTES])
        sys.stderr.write(traceback.format_exc())
        sys.stderr.flush()
        os._exit(1)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _message(receiver):
    """What the child sent before exiting ("" if nothing: it succeeded or died), and close the pipe."""
    try:
        return str(receiver.recv()) if receiver.poll() else ""
    except (EOFError, OSError):
        return ""
    finally:
        receiver.close()


def _tail(path, size=600):
    """The last characters of a log file, or ""."""
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, os.path.getsize(path) - size))
            return handle.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""


def _died(process, log_path):
    code = process.exitcode
    if code is not None and code < 0:
        why = f"the grading process was killed by {signal.Signals(-code).name}"
    else:
        why = f"the grading process exited with status {code}"
    tail = _tail(log_path) if log_path else ""
    return why + (f"; its last output: {tail.splitlines()[-1]}" if tail else "")


def run(items, job, jobs, timeout, on_done, log_path=None, cpus=None):
    """Run job(item) for every item, at most jobs at a time, each in its own forked process.

    Inputs:
    - items: list of picklable-or-not items (they are inherited through fork, never sent).
    - job: function of one item, run in the child; it succeeds by returning.
    - jobs: int >= 1, processes at a time.
    - timeout: float seconds of wall clock per item; then SIGTERM, and SIGKILL after TERM_GRACE.
    - on_done: function (item, Outcome), called in the parent as each item ends, in end order.
    - log_path: function item -> path for the child's stdout/stderr, or None to inherit them.
    - cpus: list of processor numbers, or None: the process in the k-th of the jobs slots runs on
      cpus[k % len(cpus)] (so that two jobs at a time on two processors never share one).

    On KeyboardInterrupt every running child is killed and the interrupt is raised again.
    """
    context = multiprocessing.get_context("fork")
    pending, running = list(items), {}
    try:
        while pending or running:
            while pending and len(running) < jobs:
                item = pending.pop(0)
                receiver, sender = context.Pipe(duplex=False)
                log = log_path(item) if log_path else None
                slot = min(set(range(jobs)) - {entry[6] for entry in running.values()})
                cpu = cpus[slot % len(cpus)] if cpus else None
                process = context.Process(target=_child, args=(job, item, sender, log, os.getpid(), cpu),
                                          daemon=True)
                process.start()
                sender.close()
                running[process.sentinel] = [process, item, receiver, log, time.monotonic(), False, slot]
            now = time.monotonic()
            next_deadline = min(start + (timeout + TERM_GRACE if termed else timeout)
                                for _, _, _, _, start, termed, _ in running.values())
            for sentinel in wait(list(running), timeout=max(0.0, min(next_deadline - now, 1.0))):
                process, item, receiver, log, start, termed, _ = running.pop(sentinel)
                process.join()
                seconds = time.monotonic() - start
                message = _message(receiver)
                if termed:
                    outcome = Outcome("timeout", f"grading took longer than {timeout:g} s and was stopped", seconds)
                elif process.exitcode == 0:
                    outcome = Outcome("ok", "", seconds)
                else:
                    outcome = Outcome("failed", message or _died(process, log), seconds)
                process.close()
                on_done(item, outcome)
            now = time.monotonic()
            for entry in running.values():
                process, _, _, _, start, termed, _ = entry
                if not termed and now - start > timeout:
                    process.terminate()
                    entry[5] = True
                elif termed and now - start > timeout + TERM_GRACE:
                    process.kill()
    except BaseException:
        for process, *_ in running.values():
            process.kill()
            process.join()
        raise
