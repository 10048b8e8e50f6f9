"""The grader's side of the sandbox: one child process at a time, for one submission.

The child is started lazily, gets every request as plain data over a pipe and answers the same
way. A call that times out, crashes the child, or floods its output kills the child (with its
whole process group); the next call starts a fresh one.
"""
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .child import wire
from .limits import Limits

WORKER = Path(__file__).resolve().parent / "child" / "worker.py"
SITE_PACKAGES = str(Path(np.__file__).resolve().parent.parent)
MAX_ANSWER = 256 << 20


@dataclass
class Reply:
    """What came back from one request.

    - status: "ok", "error" (the call raised: see error), "timeout", "crashed" (the child died),
      "flooded" (too much output), "bad_answer" (not plain data), or "hung" (where a timed-out
      child was stuck: only inside this module).
    - value: the answer's payload when ok.
    - error: dict with type, message and where, when the call raised.
    - detail: a sentence for the report when the status is not ok.
    """
    status: str
    value: dict = field(default_factory=dict)
    error: dict = field(default_factory=dict)
    detail: str = ""

    @property
    def ok(self):
        return self.status == "ok"


class Sandbox:
    """Runs requests in a resource-limited child that imports the submission at root.

    Inputs:
    - root: Path of a folder holding the student's package as root/gradlab/.
    - limits: Limits.
    """

    def __init__(self, root, limits=Limits()):
        self.root, self.limits = Path(root), limits
        self.process = None
        self.output = bytearray()  # what the children printed, capped
        self.output_seen = 0
        self.starts = 0
        self.hung = []  # student functions that ran past their time: disabled in every later child

    # -- process life -------------------------------------------------------------------
    def _start(self):
        request_read, request_write = os.pipe()
        answer_read, answer_write = os.pipe()
        env = {"PATH": "/usr/bin:/bin", "HOME": str(self.root), "LANG": "C.UTF-8", "PYTHONHASHSEED": "0",
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg"}
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-S", str(WORKER), str(self.root), SITE_PACKAGES,
             str(request_read), str(answer_write)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            cwd=self.root, env=env, pass_fds=(request_read, answer_write),
            preexec_fn=self.limits.apply, close_fds=True)
        os.close(request_read)
        os.close(answer_write)
        self.requests, self.answers = request_write, answer_read
        for fd in (self.requests, self.answers, self.process.stdout.fileno()):
            os.set_blocking(fd, False)
        self.starts += 1
        if self.hung:
            reply = self._exchange(wire.frame({"op": "disable", "functions": self.hung}), self.limits.call_seconds)
            if not reply.ok:
                self.close()

    def close(self):
        """Kill the child and everything it started."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.kill()
        self.process.wait()
        for fd in (self.requests, self.answers):
            os.close(fd)
        self.process.stdout.close()
        self.process = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- one request ----------------------------------------------------------------------
    def request(self, message, timeout=None):
        """Send one request (a dict of plain data) and wait for its answer.

        Inputs:
        - message: dict, see child/worker.py for the requests.
        - timeout: float seconds of wall clock, default limits.call_seconds.

        Returns: a Reply.
        """
        if self.process is None:
            self._start()
            if self.process is None:
                return Reply("crashed", detail="the student's process could not be started")
        reply = self._exchange(wire.frame(message), timeout or self.limits.call_seconds)
        if reply.status == "timeout":
            self._locate_hang(reply)
        if reply.status in ("timeout", "crashed", "flooded", "bad_answer"):
            self.close()
        return reply

    def _locate_hang(self, reply):
        """Ask a timed-out child where it is stuck (SIGUSR1); remember that function."""
        try:
            os.kill(self.process.pid, signal.SIGUSR1)
        except ProcessLookupError:
            return
        answer = self._exchange(b"", 0.5)
        where = answer.value.get("hung_in") if answer.status == "hung" else None
        if isinstance(where, str) and where not in self.hung:
            self.hung.append(where)
            reply.detail += f" (it was running {where})"

    def _drain_output(self):
        """Read what the child printed; True while it stays under the flood limit."""
        try:
            while True:
                chunk = os.read(self.process.stdout.fileno(), 65536)
                if not chunk:
                    break
                self.output_seen += len(chunk)
                room = self.limits.output_bytes - len(self.output)
                if room > 0:
                    self.output += chunk[:room]
        except BlockingIOError:
            pass
        return self.output_seen <= self.limits.flood_bytes

    def _exchange(self, data, timeout):
        deadline = time.monotonic() + timeout
        outgoing, incoming, expected = memoryview(data), bytearray(), None
        stdout = self.process.stdout.fileno()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return Reply("timeout", detail=f"did not finish within {timeout:g} s and was stopped")
            readable, writable, _ = select.select([self.answers, stdout], [self.requests] if outgoing else [], [], left)
            if stdout in readable and not self._drain_output():
                return Reply("flooded", detail=f"printed more than {self.limits.flood_bytes >> 20} MB and was stopped")
            if writable:
                try:
                    outgoing = outgoing[os.write(self.requests, outgoing):]
                except BrokenPipeError:
                    return self._died()
            if self.answers in readable:
                chunk = os.read(self.answers, 1 << 20)
                if not chunk:
                    return self._died()
                incoming += chunk
                if expected is None and len(incoming) >= wire.HEADER.size:
                    (expected,) = wire.HEADER.unpack_from(incoming)
                    if expected > MAX_ANSWER:
                        return Reply("bad_answer", detail="sent an answer larger than 256 MB")
                if expected is not None and len(incoming) >= wire.HEADER.size + expected:
                    return self._parse(bytes(incoming[wire.HEADER.size:wire.HEADER.size + expected]))

    def _parse(self, body):
        try:
            answer = wire.decode(body)
        except wire.WireError as error:
            return Reply("bad_answer", detail=f"sent back something that is not plain data ({error})")
        if not isinstance(answer, dict) or not isinstance(answer.get("ok"), bool):
            return Reply("bad_answer", detail="sent back a malformed answer")
        if answer["ok"]:
            return Reply("ok", value=answer)
        if "hung_in" in answer:
            return Reply("hung", value=answer)
        error = answer.get("error")
        if not isinstance(error, dict):
            return Reply("bad_answer", detail="sent back a malformed error")
        return Reply("error", error={k: str(error.get(k, "")) for k in ("type", "message", "where")})

    def _died(self):
        self._drain_output()
        try:
            code = self.process.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            return Reply("crashed", detail="closed its pipe to the grader")
        if code < 0:
            name = signal.Signals(-code).name
            why = {"SIGXCPU": "used up its CPU time limit", "SIGSEGV": "crashed (segmentation fault)",
                   "SIGXFSZ": "wrote a file over the size limit", "SIGKILL": "was killed (out of memory?)"}
            return Reply("crashed", detail=f"the student's process {why.get(name, 'was killed by ' + name)}")
        return Reply("crashed", detail=f"the student's process exited (exit code {code}) during the call")

    def printed(self):
        """What the children printed so far, decoded, with a note when it was cut."""
        text = self.output.decode("utf-8", errors="replace")
        if self.output_seen > len(self.output):
            text += f"\n[... {self.output_seen - len(self.output)} more bytes not shown]"
        return text
