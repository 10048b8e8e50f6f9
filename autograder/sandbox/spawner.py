"""Starting sandboxed children: forks of one pre-warmed zygote (child/zygote.py) per grader.

Starting Python and importing numpy costs about 0.1 s; a fork of a process that did both
costs a few milliseconds. The zygote runs none of the grader's code and no student code, and
its forks confine themselves as a fresh interpreter would. One zygote serves a whole grading
process, and the workers of a batch, which fork from the process that started it.

The grader keeps, for each child, a Child: its pipes, its pid (and pidfd, to signal it without
the risk of a reused pid) and a channel on which the zygote reports its exit status.
"""
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import asdict
from pathlib import Path

import numpy as np

ZYGOTE = Path(__file__).resolve().parent / "child" / "zygote.py"
SITE_PACKAGES = str(Path(np.__file__).resolve().parent.parent)
ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
       "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


class SpawnError(Exception):
    """No child could be started; the message says why."""


class Child:
    """A sandboxed child, as the grader sees it (the part of subprocess.Popen that Sandbox uses).

    - pid: int; requests, answers, output: the grader's ends of its pipes (non-blocking).
    - returncode: None while it runs; then as Popen's (negative: killed by that signal), or
      None with lost True if the zygote died before reporting it.
    - maxrss_kb: its peak resident memory, once it has exited.
    """

    def __init__(self, pid, pidfd, channel, requests, answers, output):
        self.pid, self.pidfd, self.channel = pid, pidfd, channel
        self.requests, self.answers, self.output = requests, answers, output
        self.returncode, self.maxrss_kb, self.lost = None, None, False

    def poll(self):
        """The exit code if the child has exited, else None (never blocks)."""
        return self.wait(0)

    def wait(self, timeout):
        """Wait up to timeout seconds for the child to exit; its exit code, or None."""
        if self.returncode is not None or self.lost:
            return self.returncode
        if not select.select([self.channel], [], [], timeout)[0]:
            return None
        try:
            report = json.loads(self.channel.recv(4096) or b"{}")
        except (OSError, ValueError):
            report = {}
        if isinstance(report.get("status"), int):
            self.returncode = os.waitstatus_to_exitcode(report["status"])
            self.maxrss_kb = report.get("maxrss_kb")
        else:  # the zygote died first: the child is an orphan now, and nobody will report on it
            self.lost = True
            self.send_signal(signal.SIGKILL)
        return self.returncode

    def send_signal(self, number):
        """Signal the child (its keeper), unless it is known to have exited."""
        if self.returncode is not None:
            return
        try:
            if self.pidfd is not None:
                signal.pidfd_send_signal(self.pidfd, number)
            else:
                os.kill(self.pid, number)
        except (ProcessLookupError, PermissionError, OSError):
            pass

    def kill(self):
        """SIGKILL to its process group (what the keeper has not killed yet) and to itself."""
        if self.returncode is None:
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

    def __init__(self):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.socket, self.owner = ours, os.getpid()
        # Its own session: Ctrl-C reaches the grader only, whose exit closes the socket.
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-S", str(ZYGOTE), SITE_PACKAGES, str(theirs.fileno())],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=ENV, cwd="/",
            pass_fds=(theirs.fileno(),), start_new_session=True)
        theirs.close()

    def fork(self, run, config, limits, timeout):
        """Start one child for the sandbox folder run.

        Inputs: run (Path from isolation.make_run_dir), config (isolation.child_config), limits
        (Limits), timeout (seconds to wait for the zygote's answer).

        Returns: a Child. Raises SpawnError if the zygote is gone or does not answer in time.
        """
        request_read, request_write = os.pipe()
        answer_read, answer_write = os.pipe()
        output_read, output_write = os.pipe()
        channel, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        message = {"run": str(run), "site_packages": SITE_PACKAGES, "config": config, "limits": asdict(limits),
                   "env": {**ENV, "HOME": str(Path(run) / "home")}}
        try:
            socket.send_fds(self.socket, [json.dumps(message).encode()],
                            [theirs.fileno(), request_read, answer_write, output_write])
            sent = True
        except OSError:
            sent = False
        for fd in (theirs.fileno(), request_read, answer_write, output_write):
            os.close(fd)
        theirs.detach()
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
            raise SpawnError("the zygote that starts sandboxed children is gone")
        if not select.select([channel], [], [], timeout)[0]:
            raise SpawnError(f"the zygote did not start a child within {timeout:g} s")
        try:
            data, fds, _, _ = socket.recv_fds(channel, 4096, 1)
            pid = json.loads(data or b"{}").get("pid")
        except (OSError, ValueError) as error:
            raise SpawnError(f"the zygote failed: {error}") from None
        if not isinstance(pid, int):
            for fd in fds:
                os.close(fd)
            raise SpawnError("the zygote ended before it started a child")
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


_shared, _lock = None, threading.Lock()


def zygote():
    """The process-wide zygote, started on first use (and again if it died)."""
    global _shared
    with _lock:
        if _shared is None or not _shared.alive():
            _shared = Zygote()
        return _shared


def spawn(run, config, limits, timeout):
    """A Child of the process-wide zygote (see Zygote.fork); a dead zygote is replaced once."""
    global _shared
    try:
        return zygote().fork(run, config, limits, timeout)
    except SpawnError:
        with _lock:
            stale, _shared = _shared, None
        if stale is not None and os.getpid() == stale.owner:
            stale.close()
        return zygote().fork(run, config, limits, timeout)
