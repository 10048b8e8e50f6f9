"""The grader's side of the sandbox: one child process at a time, for one submission.

The child is started lazily (a fork of the zygote, spawner.py), confines itself
(child/confine.py: the isolation that isolation.py plans) and reports what it applied before
any student code runs; then it gets every request as plain data over a pipe and answers the
same way. A call that times out, crashes the child, floods its output or answers out of turn
ends the child and everything it started; the next call starts a fresh one.
"""
import functools
import hashlib
import json
import os
import select
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import isolation, names, spawner
from .child import wire
from .limits import Limits

MAX_ANSWER = 4 << 20  # bytes; the largest honest answer of the whole rubric is about 45 KB
MAX_JSON = 1 << 20  # bytes of an answer's JSON part (decoding JSON costs far more than .npy)
MAX_TEXT = 2000  # characters of any string of an error the child reports
START_SECONDS = 10.0  # start-up and confinement, before the first request
STOP_SECONDS = 3.0  # for the keeper to kill what the student started, before it is killed itself
MAX_DEPTH = 64  # nesting of an answer kept by the grader
PROBE_SECONDS = 1.0  # for a timed-out child to say where it is stuck (longer when a fork bomb starves it)
SAME_TARGET_TIMEOUTS = 2  # untraced timeouts of one op and target before all its requests fail at once
OUT_OF_TURN = "answered out of turn"
MAX_HUNG = 64  # functions disabled at most: the child names them, so their number is bounded here
UNCHANGED = {float, bool, type(None), np.ndarray}  # what _sanitize passes as it is (decoded: exact types)


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


def _signature(message):
    """What a request runs: its op and student targets (many requests share one)."""
    call, model = message.get("call") or {}, message.get("model") or {}
    return json.dumps([message.get("op"), message.get("module"), call.get("target"), message.get("backward"),
                       model.get("target"), message.get("mode")])


def _digest(message):
    """The request itself, inputs included."""
    return hashlib.sha1(wire.frame(message)).hexdigest()


def clip(text, limit):
    """text from the child as text the grader can write: cut to limit characters (saying so), and
    lone surrogates (which no UTF-8 file can hold) replaced."""
    if len(text) > limit:
        text = text[:limit] + f" [... {len(text) - limit} more characters]"
    return text if text.isascii() else text.encode("utf-8", "replace").decode("utf-8")


def _sanitize(value, depth=0):
    """An answer with what the grader's checks could trip on replaced by an "unsupported" marker:
    integers beyond float range, nesting deeper than MAX_DEPTH; strings cut to MAX_TEXT.
    (Decoded JSON has exact types.)"""
    kind = type(value)
    if kind is float or kind is bool or value is None or kind is np.ndarray:
        return value
    if kind is int:
        return value if -2 ** 63 <= value < 2 ** 64 else {"__unsupported__": "integer too large"}
    if kind is str:
        return clip(value, MAX_TEXT)
    if kind not in (list, tuple, dict):
        return value
    if depth > MAX_DEPTH:
        return {"__unsupported__": "nested too deeply"}
    if kind is dict:
        return {k: _sanitize(v, depth + 1) for k, v in value.items()}
    if set(map(type, value)) <= UNCHANGED:  # e.g. a loss history: nothing in it to replace
        return value
    return kind(_sanitize(v, depth + 1) for v in value)


class Sandbox:
    """Runs requests in a confined, resource-limited child that imports the student's package.

    Inputs:
    - root: Path of a folder holding the student's package as root/<package>/ (copied once, at the
      first start, into a folder of the sandbox's own that the student's user can read).
    - limits: Limits.
    - level: "best" (namespaces and a private file system where the kernel allows) or "basic"
      (resource limits, the keeper and, as root, the user switch only).
    - spec: the Assignment (assignment.py; default the current one): its package, modules and
      child operations.
    - cpus: list of the processor numbers its children run on, or None (anywhere); may be set
      before the first request (lanes.py pins a lane's children to its processor).
    """

    def __init__(self, root, limits=Limits(), level="best", spec=None, cpus=None):
        if level not in isolation.LEVELS:
            raise ValueError(f"level must be one of {isolation.LEVELS}")
        if spec is None:
            from ..assignment import current
            spec = current()
        self.root, self.limits, self.level, self.spec, self.cpus = Path(root), limits, level, spec, cpus
        self.process = None
        self.output = bytearray()  # what the children printed, capped
        self.output_seen = 0
        self.starts = 0
        self.hung = []  # student functions that ran past their time: disabled in every later child
        self.stalled = {}  # request digest or signature -> detail, for timeouts not traced to a function
        self.stall_counts = {}  # signature -> untraced timeouts
        self.stopped = {"timeout": 0, "crashed": 0, "flooded": 0, "bad_answer": 0, "replaced": 0}
        self.peak_memory_kb = 0  # of the children that exited so far
        self.applied = None  # what the last child reported, at its start, about its isolation
        self.user = isolation.student_user()
        self.run = None
        self.sequence = 0
        self.replace = False  # the last answer asked for a fresh child
        # Bytes the child sent after the answer just read (a second answer to one request): the
        # next exchange reads them first, however the pipe happened to split them.
        self.unread = bytearray()
        self.used_seconds = 0.0  # wall clock spent on the student's requests, against limits.total_seconds
        self._functions = None  # 'module.qualname' of every function the submission defines, once asked
        self.call_output = 0  # bytes printed during the current request
        self.preload = []  # modules every new child imports first, before the request that needs it
        self.preloaded = False  # whether the running child has imported them (see boot)
        self.deadline = None  # time.monotonic() by which the current request ends (its share of the budget)
        self.owing = None  # the token of the request_each whose child still owes answers

    # -- process life -------------------------------------------------------------------
    def _start(self, preload=True):
        """Start a child and wait for its report of the isolation it applied; then, with preload,
        import self.preload.

        Returns the Reply of its start: ok, or why it failed (then self.process is None again)."""
        if self.run is None:
            self.run = isolation.make_run_dir(self.root, self.user, self.spec.package)
        config = isolation.child_config(self.run, self.user, self.level, self.limits, spawner.SITE_PACKAGES,
                                        self.spec.child_config())
        try:
            self.process = spawner.spawn(self.run, config, self.limits, START_SECONDS, self.spec.child_ops_file,
                                         self.cpus)
        except spawner.SpawnError as error:
            return Reply("crashed", detail=str(error))
        self.requests, self.answers = self.process.requests, self.process.answers
        self.starts += 1
        self.expected_seq = None
        hello = self._exchange(b"", START_SECONDS)
        if not hello.ok or not isinstance(hello.value.get("isolation"), dict):
            self.close()
            return hello
        self.applied = hello.value["isolation"]
        if self.hung:
            reply = self._send({"op": "disable", "functions": self.hung}, self.limits.call_seconds)
            if not reply.ok:  # disabling itself failed: give it up (later hangs cost their timeout) and start afresh
                self.close()
                self.hung = []
                return self._start(preload)
        self.preloaded = False
        failed = self._preload() if preload else None
        return hello if failed is None else failed

    def _preload(self):
        """Import self.preload in the child. Returns None, or the Reply of the import that failed
        (the child is then closed)."""
        self.preloaded = True
        if not self.preload:
            return None
        # One request (an each): the imports' tricks are undone before any call, by the clean-up after it.
        reply = self._send({"op": "each", "requests": [{"op": "import", "module": m} for m in self.preload]},
                           self.limits.call_seconds)
        for _ in self.preload[1:]:
            if not reply.ok:
                break
            self.call_output = 0
            reply = self._exchange(b"", self.limits.call_seconds)
        if not reply.ok:
            self.close()
            return reply
        return None

    def boot(self):
        """Start the child before its first request, without its preload: the first request imports
        those first. So a lane's child can start while another Sandbox's child checks the
        submission's imports, whose outcome decides the preload."""
        if self.process is None:
            began = time.monotonic()
            self._start(preload=False)
            self.used_seconds += time.monotonic() - began  # a start, as in a request: in the budget

    @property
    def functions(self):
        """frozenset of 'module.qualname' of every function the submission defines (names.py), read
        from the run folder's copy (the child cannot write it) when a hang first needs it."""
        if self._functions is None:
            self._functions = names.defined_functions(self.run / self.spec.package) if self.run else frozenset()
        return self._functions

    def stop(self):
        """Ask the child to stop (SIGTERM to its keeper) without waiting for it; close() then
        waits, so that the children of several Sandboxes stop at once."""
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)

    def close(self):
        """Stop the child and everything it started (its keeper kills them, see child/confine.py)."""
        if self.process is None:
            return
        if not self.process.exited():
            self.process.send_signal(signal.SIGTERM)
            if not self.process.exited(STOP_SECONDS):
                self.process.kill()
                self.process.exited(STOP_SECONDS)
        if self.process.maxrss_kb:
            self.peak_memory_kb = max(self.peak_memory_kb, self.process.maxrss_kb)
        self.process.close()
        self.process = None
        self.unread = bytearray()
        self.owing = None

    def fresh_child(self):
        """Stop the current child; the next request gets a new one, with an empty home, and the
        hangs met so far forgotten (which functions hung, and where, would tell the new child's
        tests something of the inputs that made them hang).
        """
        self.hung, self.stalled, self.stall_counts = [], {}, {}
        self.close()
        home = self.run / "home" if self.run is not None else None
        if home is not None and home.is_dir():  # on disk when the child has no mount namespace of its own
            for entry in home.iterdir():
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)

    @property
    def isolation(self):
        """What confined the student's code (as the last child reported it before running any), with
        the resource limits and a one-word level; {"separate_process": True, ...} if none ran."""
        applied = dict(self.applied) if self.applied else {"separate_process": True, "student_code_ran": False}
        applied["level"] = isolation.summary(applied) if self.applied else None
        applied["resource_limits"] = {
            "call_seconds": self.limits.call_seconds, "cpu_seconds": self.limits.cpu_seconds,
            "memory_bytes": self.limits.memory_bytes, "file_bytes": self.limits.file_bytes,
            "processes": self.limits.processes, "disk_bytes": self.limits.disk_bytes}
        return applied

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        if self.run is not None:
            shutil.rmtree(self.run, ignore_errors=True)
            self.run = None

    # -- one request ----------------------------------------------------------------------
    def request(self, message, timeout=None):
        """Send one request (a dict of plain data) and wait for its answer.

        Inputs:
        - message: dict, see child/worker.py for the requests.
        - timeout: float seconds of wall clock, default limits.call_seconds.

        Returns: a Reply. On a timeout the child is asked where it is stuck, and that function
        is disabled in later children. If it cannot say (e.g. it ignores the question), the same
        request, and after SAME_TARGET_TIMEOUTS such timeouts any request with the same op and
        target, fails at once with the same message: a hang costs its time a bounded number of times.
        All requests together get limits.total_seconds of wall clock (starting children, calls,
        decoding answers, stopping children); once it is used up, every request fails at once.
        """
        return self._timed(functools.partial(self._request, message), timeout)

    def request_each(self, messages, timeout=None, until_failure=False):
        """Send the requests of one test about one module as one ("each", child/worker.py): without
        a round trip and the child's clean-up between them, each answered as soon as it is done.

        Inputs:
        - messages: list of request dicts.
        - timeout: float seconds for each of them, as for request.
        - until_failure: bool; if true, the messages after the first whose Reply is not ok are
          not sent (for the requests of one case, which fails there).

        Yields: the Replies of the messages, in order, each as request would give it: the time
        limit (from the answer before it: the child starts a request as soon as it has answered
        the one before), the time budget and what a hang costs apply to each message as if it
        were sent alone. The child stops at a message that fails; the ones after it go again,
        as a new request. The child runs ahead of the caller: a caller that stops taking
        Replies (a case failed on a wrong answer) closes the generator, or sends another
        request, and the child is stopped there, so that it runs no call the caller would not
        have made.
        """
        done, failed = 0, False
        while done < len(messages) and not (until_failure and failed):
            batch = messages[done:]
            stalled = [self._stall_of(m) for m in batch] if self.stalled else [None]
            if stalled[0] is not None:
                done, failed = done + 1, True
                yield stalled[0]
                continue
            batch = batch[:next((i for i, reply in enumerate(stalled) if reply is not None), len(batch))]
            token, since = object(), None
            try:
                for index, about in enumerate(batch):
                    if index == 0:
                        reply = self._timed(functools.partial(self._request, {"op": "each", "requests": batch},
                                                              about=about), timeout)
                    elif self.process is None or self.owing is not token:
                        break  # a fresh child was asked for, or another request stopped this one: the rest go again
                    else:
                        reply = self._timed(functools.partial(self._next_answer, about, since), timeout, since)
                    since, done, failed = time.monotonic(), done + 1, not reply.ok
                    # Owed: the answers still to come (none after the last, or after one that failed).
                    self.owing = token if reply.ok and index < len(batch) - 1 and self.process is not None else None
                    if not reply.ok and reply.status != "error" and self.process is not None:
                        self.close()  # not run (the time budget is used up): the child still owes answers
                    yield reply
                    if not reply.ok:
                        break
            finally:
                if self.owing is token:
                    self.close()

    def _timed(self, exchange, timeout, since=None):
        """exchange(seconds) -> Reply, within timeout and what is left of the time budget, both
        counted from since (time.monotonic(), default now)."""
        now = time.monotonic()
        began = now if since is None else since
        left = self.limits.total_seconds - self.used_seconds  # at began
        if left - (now - began) <= 0:
            return Reply("timeout", detail=f"was not run: the submission used up its time budget of "
                                           f"{self.limits.total_seconds:g} s for all its calls")
        wanted = timeout or self.limits.call_seconds
        self.deadline = began + left  # every exchange of this request (start, imports, the call) ends by then
        try:
            reply = exchange(min(wanted, left))
        except Exception as error:  # noqa: BLE001 - whatever the child sent, it costs only this request
            self.close()
            reply = Reply("bad_answer", detail=f"sent something the grader could not use ({type(error).__name__})")
        finally:
            self.deadline = None
            self.used_seconds += time.monotonic() - began
        if reply.status == "timeout" and left < wanted and reply.detail.startswith("did not finish"):
            reply.detail = (f"did not finish within the {left:.1f} s left of the submission's time budget "
                            f"({self.limits.total_seconds:g} s for all its calls) and was stopped")
        return reply

    def _stall_of(self, message):
        """The Reply of a request that cannot run: it, or one like it, timed out untraced before."""
        for key in (_digest(message), _signature(message)):
            if key in self.stalled:
                return Reply("timeout", detail=self.stalled[key])
        return None

    def _request(self, message, timeout, retry=True, about=None):
        """Send message and settle its first answer; about: the request a timeout is held against
        (default message itself; for an "each" request, its first)."""
        about = message if about is None else about
        if self.owing is not None:
            self.close()  # a request_each's child running ahead of a caller that moved on
        stalled = self._stall_of(about) if self.stalled else None
        if stalled is not None:
            return stalled
        if self.process is not None and not self.preloaded:
            self._preload()  # a child booted ahead; should an import fail, it is closed and started again below
        if self.process is None:
            started = self._start()
            if self.process is None:
                self.stopped["crashed"] += 1
                return Reply("crashed", detail=f"could not be started ({started.detail})")
        reply = self._settle(self._send(message, timeout), about)
        if reply.detail == OUT_OF_TURN and retry:
            # What arrived was the previous call's own answer, sent after a forged one: this
            # request is not to blame, and gets one more try in a fresh child.
            return self._request(message, timeout, retry=False, about=about)
        return reply

    def _next_answer(self, about, since, timeout):
        """The next answer of an "each" request, about its request about, due timeout seconds
        after since (when the answer before it came)."""
        self.replace = False
        self.call_output = 0
        return self._settle(self._exchange(b"", timeout, since=since), about)

    def _settle(self, reply, about):
        """What an answer to the request about leaves behind: a timeout's hang located (or the
        request remembered as stalled), a child that failed, or asked for it, closed."""
        if reply.status == "timeout" and not self._locate_hang(reply):
            signature = _signature(about)
            self.stalled[_digest(about)] = reply.detail
            self.stall_counts[signature] = self.stall_counts.get(signature, 0) + 1
            if self.stall_counts[signature] >= SAME_TARGET_TIMEOUTS:
                self.stalled[signature] = reply.detail
        if reply.status in self.stopped:
            self.stopped[reply.status] += 1
            self.close()
        elif self.replace:
            self.stopped["replaced"] += 1  # threads, processes or memory left behind: the next call gets a fresh child
            self.close()
        return reply

    def _send(self, message, timeout):
        self.sequence += 1
        self.replace = False
        self.call_output = 0  # the flood limit is per call: what one call printed stops only that call
        self.expected_seq = self.sequence
        return self._exchange(wire.frame({**message, "seq": self.sequence}), timeout)

    def _locate_hang(self, reply):
        """Ask a timed-out child where it is stuck (SIGUSR1, which its keeper passes on); remember
        that function. The child names the student's frames, innermost first; the first that is a
        function the submission really defines (and can be disabled: not a nested one) is taken.
        Returns True if that is one not named before (a name already disabled, a name that is
        not the submission's, or one too many, count as no answer: the request is then remembered).
        """
        self.process.send_signal(signal.SIGUSR1)
        answer = self._exchange(b"", PROBE_SECONDS, probe=True)
        named = answer.value.get("hung_in") if answer.status == "hung" else None
        where = next((n for n in named if type(n) is str and n in self.functions and names.can_disable(n)), None) \
            if isinstance(named, list) else None
        if where is None:
            return False
        reply.detail += f" (it was running {where})"
        if where in self.hung or len(self.hung) >= MAX_HUNG:
            return False
        self.hung.append(where)  # a function, or "module.<module>": code that runs at import
        return True

    def _drain_output(self):
        """Read what the child printed; True while it stays under the flood limit."""
        try:
            while True:
                chunk = os.read(self.process.output, 65536)
                if not chunk:
                    break
                self.output_seen += len(chunk)
                self.call_output += len(chunk)
                room = self.limits.output_bytes - len(self.output)
                if room > 0:
                    self.output += chunk[:room]
        except BlockingIOError:
            pass
        return self.call_output <= self.limits.flood_bytes

    def _exchange(self, data, timeout, probe=False, since=None):
        deadline = (time.monotonic() if since is None else since) + timeout
        if self.deadline is not None and not probe:  # the time budget's end (a probe may still ask where)
            deadline = min(deadline, self.deadline)
        # What the child sent after its last answer comes first: a second answer to one request is
        # out of turn whether the pipe gave it with the first answer or after it.
        outgoing, incoming, expected = memoryview(data), self.unread, None
        self.unread = bytearray()
        stdout = self.process.output
        first = True
        while True:
            if expected is None and len(incoming) >= wire.HEADER.size:
                (expected,) = wire.HEADER.unpack_from(incoming)
                if expected > MAX_ANSWER:
                    return Reply("bad_answer", detail=f"sent an answer larger than {MAX_ANSWER >> 20} MB")
            if expected is not None and len(incoming) >= wire.HEADER.size + expected:
                self.unread = incoming[wire.HEADER.size + expected:]
                reply = self._parse(bytes(memoryview(incoming)[wire.HEADER.size:wire.HEADER.size + expected]))
                if reply.status == "hung" and not probe:
                    return Reply("bad_answer", detail="said where it was stuck when nobody had asked")
                if time.monotonic() > deadline and reply.status != "hung":  # decoding counts against the call
                    return Reply("timeout", detail=f"did not finish within {timeout:g} s and was stopped")
                return reply
            left = deadline - time.monotonic()
            if left <= 0:
                return Reply("timeout", detail=f"did not finish within {timeout:g} s and was stopped")
            if first and outgoing:  # a pipe with room takes a request at once: no select for it
                first = False
                try:
                    outgoing = outgoing[os.write(self.requests, outgoing):]
                except BlockingIOError:
                    pass
                except BrokenPipeError:
                    return self._died()
            readable, writable, _ = select.select([self.answers, stdout], [self.requests] if outgoing else [], [], left)
            if stdout in readable and not self._drain_output():
                return Reply("flooded", detail=f"printed more than {self.limits.flood_bytes >> 20} MB during this call "
                                               "and was stopped")
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

    def _parse(self, body):
        if len(body) >= wire.HEADER.size and wire.HEADER.unpack_from(body)[0] > MAX_JSON:
            return Reply("bad_answer",
                         detail=f"sent an answer whose plain-data part is larger than {MAX_JSON >> 20} MB")
        try:
            answer = wire.decode(body)
        except wire.WireError as error:
            return Reply("bad_answer", detail=f"sent back something that is not plain data ({error})")
        if not isinstance(answer, dict) or not isinstance(answer.get("ok"), bool):
            return Reply("bad_answer", detail="sent back a malformed answer")
        if answer.get("seq") != self.expected_seq:
            return Reply("bad_answer", detail=OUT_OF_TURN)
        self.replace = answer.get("restart") is True
        if answer["ok"]:
            return Reply("ok", value=_sanitize(answer))
        if "hung_in" in answer:
            return Reply("hung", value=answer)
        return self._error_reply(answer.get("error"))

    def _error_reply(self, error):
        """The Reply of an error the child reported (a dict of type, message and where)."""
        if not isinstance(error, dict):
            return Reply("bad_answer", detail="sent back a malformed error")
        # Paths inside the sandbox's own folder are shown relative to it: the same in every run.
        inside = f"{self.run}/" if self.run else "\0"
        return Reply("error", error={k: clip(str(error.get(k, "")).replace(inside, ""), MAX_TEXT)
                                     for k in ("type", "message", "where")})

    def _died(self):
        self._drain_output()
        code = self.process.returncode if self.process.exited(1.0) else None
        if code is None:
            return Reply("crashed", detail="closed its pipe to the grader")
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:  # a real-time signal has no name
                name = f"signal {-code}"
            why = {"SIGXCPU": "used up its CPU time limit", "SIGSEGV": "crashed (segmentation fault)",
                   "SIGXFSZ": "wrote a file over the size limit",
                   "SIGKILL": "was killed (SIGKILL: by its own code, or the machine ran out of memory)"}
            return Reply("crashed", detail=f"the student's process {why.get(name, 'was killed by ' + name)}")
        return Reply("crashed", detail=f"the student's process exited (exit code {code}) during the call")

    def printed(self, reset=False):
        """What the children printed so far (since the last reset), decoded, with a note when it was
        cut; with reset, the next call starts afresh (and keeps output_bytes again). The run
        folder's random name reads as "submission" (a warning names the student's file by its
        path): the same submission prints the same text."""
        text = self.output.decode("utf-8", errors="replace")
        if self.run is not None:
            text = text.replace(str(self.run), "submission")
        if self.output_seen > len(self.output):
            text += (f"\n[... {self.output_seen} bytes were printed in all; only the first "
                     f"{len(self.output)} are kept]")
        if reset:
            self.output, self.output_seen = bytearray(), 0
        return text
