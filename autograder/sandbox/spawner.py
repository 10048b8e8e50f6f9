"""Starting sandboxed children: forks of one pre-warmed zygote (child/zygote.py) per grader.

Starting Python and importing numpy costs about 0.1 s; a fork of a process that did both
costs a few milliseconds. The zygote runs none of the grader's code and no student code, and
its forks confine themselves as a fresh interpreter would. One zygote serves a whole grading
process, and the workers of a batch, which fork from the process that started it.

The grader keeps, for each child, a Child: its pipes, its pid (and pidfd, to signal it without
the risk of a reused pid) and a channel on which the zygote reports its exit status.
"""
import importlib.util
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ZYGOTE = Path(__file__).resolve().parent / "child" / "zygote.py"
SITE_PACKAGES = str(Path(importlib.util.find_spec("numpy").origin).resolve().parent.parent)  # numpy not imported
ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
       "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


class SpawnError(Exception):
    """No child could be started; the message says why. gone: the zygote itself has ended."""

    def __init__(self, message, gone=False):
        super().__init__(message)
        self.gone = gone


def _readable(fd, timeout):
    return bool(select.select([fd], [], [], timeout)[0])


class Child:
    """A sandboxed child, as the grader sees it.

    - pid: int; requests, answers, output: the grader's ends of its pipes (non-blocking).
    - returncode: None until the zygote reports its exit; then as Popen's (negative: killed by
      that signal). None for good if the zygote died first (lost): then only its pidfd tells
      when it has exited.
    - maxrss_kb: its peak resident memory, once reported.
    """

    def __init__(self, pid, pidfd, channel, requests, answers, output):
        self.pid, self.pidfd, self.channel = pid, pidfd, channel
        self.requests, self.answers, self.output = requests, answers, output
        self.returncode, self.maxrss_kb, self.lost, self.done = None, None, False, False

    def exited(self, timeout=0.0):
        """True once the child has exited, waiting up to timeout seconds for it."""
        if self.done:
            return True
        deadline = time.monotonic() + timeout
        if not self.lost:
            if not _readable(self.channel, timeout):
                return False
            try:
                report = json.loads(self.channel.recv(4096) or b"{}")
            except (OSError, ValueError):
                report = {}
            if isinstance(report.get("status"), int):
                self.returncode = os.waitstatus_to_exitcode(report["status"])
                self.maxrss_kb = report.get("maxrss_kb")
                self.done = True
                return True
            self.lost = True  # the zygote died first: the child is an orphan nobody will report on
        # Without a pidfd a lost child cannot be watched: it counts as ended (its pipes tell the rest).
        self.done = self.pidfd is None or _readable(self.pidfd, max(0.0, deadline - time.monotonic()))
        return self.done

    def send_signal(self, number):
        """Signal the child (its keeper) unless it has exited; through its pidfd, which cannot
        reach another process that reused the pid."""
        if self.exited():
            return
        try:
            if self.pidfd is not None:
                signal.pidfd_send_signal(self.pidfd, number)
            else:
                os.kill(self.pid, number)
        except OSError:  # it exited meanwhile
            pass

    def kill(self):
        """SIGKILL to its process group (what the keeper has not killed yet) and to itself."""
        if not self.exited():  # not reaped yet: the group's id is still its own
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.send_signal(signal.SIGKILL)

    def close(self):
        """Close the grader's descriptors (call once it has exited or been killed)."""
        for fd in (self.requests, self.answers, self.output, self.pidfd):
            if fd is not None:
                os.close(fd)
        self.channel.close()


class Zygote:
    """One zygote process and the grader's end of its socket.

    The zygote is started at once and imports numpy while the grader goes on; the first fork
    waits for it. It ends when every process holding this end of the socket has closed it.
    """

    def __init__(self, child_ops=None):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.socket, self.owner = ours, os.getpid()
        # Its own session: Ctrl-C reaches the grader only, whose exit closes the socket.
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-S", str(ZYGOTE), SITE_PACKAGES, str(theirs.fileno())]
            + ([str(child_ops)] if child_ops else []),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=ENV, cwd="/",
            pass_fds=(theirs.fileno(),), start_new_session=True)
        theirs.close()

    def fork(self, run, config, limits, timeout, cpus=None):
        """Start one child for the sandbox folder run.

        Inputs: run (Path from isolation.make_run_dir), config (isolation.child_config), limits
        (Limits), timeout (seconds to wait for the zygote's answer), cpus (list of the processor
        numbers the child runs on, or None: wherever the zygote may).

        Returns: a Child. Raises SpawnError if no child could be started (gone: the zygote has ended).
        """
        from dataclasses import asdict  # here: dataclasses loads inspect, 7 ms before the zygote could start
        message = json.dumps({"run": str(run), "site_packages": SITE_PACKAGES, "config": config,
                              "limits": asdict(limits), "env": {**ENV, "HOME": str(Path(run) / "home")},
                              "cpus": cpus}).encode()
        fds = []
        try:
            for _ in range(3):
                fds += os.pipe()
            channel, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        except OSError as error:
            for fd in fds:
                os.close(fd)
            raise SpawnError(f"the grader could not make the child's pipes ({error})") from None
        request_read, request_write, answer_read, answer_write, output_read, output_write = fds
        try:
            socket.send_fds(self.socket, [message], [theirs.fileno(), request_read, answer_write, output_write])
            sent = True
        except OSError:
            sent = False
        theirs.close()
        for fd in (request_read, answer_write, output_write):
            os.close(fd)
        ours = (request_write, answer_read, output_read)
        try:
            pid, pidfd = self._answer(channel, sent, timeout)
        except SpawnError:
            for fd in ours:
                os.close(fd)
            channel.close()
            raise
        for fd in ours:
            os.set_blocking(fd, False)
        return Child(pid, pidfd, channel, *ours)

    @staticmethod
    def _answer(channel, sent, timeout):
        """(pid, pidfd or None) of the child the zygote started, as it answers on channel."""
        if not sent:
            raise SpawnError("the zygote that starts sandboxed children is gone", gone=True)
        if not _readable(channel, timeout):
            raise SpawnError(f"the zygote did not start a child within {timeout:g} s")
        try:
            data, fds, _, _ = socket.recv_fds(channel, 4096, 1)
            answer = json.loads(data) if data else {}
        except (OSError, ValueError) as error:
            raise SpawnError(f"the zygote's answer could not be read ({error})") from None
        pid = answer.get("pid") if isinstance(answer, dict) else None
        if not isinstance(pid, int):
            for fd in fds:
                os.close(fd)
            if isinstance(answer, dict) and "error" in answer:
                raise SpawnError(f"the zygote could not start a child ({answer['error']})")
            raise SpawnError("the zygote ended before it started a child", gone=True)
        return pid, (fds[0] if fds else None)

    def alive(self):
        """False once the zygote has surely exited (a fork that inherited this one cannot wait for it)."""
        if os.getpid() == self.owner:
            return self.process.poll() is None
        return True  # a sent request will tell

    def close(self):
        """Close the socket; the zygote exits once no other process holds it."""
        self.socket.close()
        if os.getpid() == self.owner:
            try:
                self.process.wait(timeout=2.0)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


_shared, _lock = {}, threading.Lock()  # child_ops path (str or None) -> its Zygote


def _default_child_ops():
    from ..assignment import current
    return current().child_ops_file


def zygote(child_ops=...):
    """The process-wide zygote that loaded child_ops (the Path of an assignment's child_ops.py, or
    None; default the current assignment's), started on first use (and again if it died)."""
    key = str(_default_child_ops() if child_ops is ... else child_ops or "") or None
    with _lock:
        if key not in _shared or not _shared[key].alive():
            _shared[key] = Zygote(key)
        return _shared[key]


def spawn(run, config, limits, timeout, child_ops=..., cpus=None):
    """A Child of the process-wide zygote of child_ops (see zygote(), Zygote.fork). A zygote found
    gone is replaced, once and by one thread (others that used it then fork from its successor)."""
    used = zygote(child_ops)
    try:
        return used.fork(run, config, limits, timeout, cpus)
    except SpawnError as error:
        if not error.gone:
            raise
    with _lock:
        for key, value in list(_shared.items()):
            if value is used:
                del _shared[key]
                if not used.alive():
                    used.socket.close()  # a thread still sending on it gets an error, and forks from the successor
    return zygote(child_ops).fork(run, config, limits, timeout, cpus)
