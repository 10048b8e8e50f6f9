"""Putting the worker back in order after each request, so that one function's tricks do not
change the answers of the functions called after it.

A call may patch numpy, builtins or the worker's own modules, set alarms or signal handlers,
change the recursion limit, install a trace function, leave processes or threads running, or
hold on to most of the memory limit. After every request the worker restores what it
snapshotted at start-up, kills stray processes (in its own PID namespace), and asks the grader
for a fresh child when threads, processes (without a PID namespace) or memory are left behind.
"""
import _signal  # the C module: signal's Python wrappers convert every handler to an enum, 20x slower
import os
import resource
import signal
import sys
from operator import is_not

MISSING = object()
TIMERS = (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF)  # Linux's alarm() is ITIMER_REAL
UNCATCHABLE = {signal.SIGKILL, signal.SIGSTOP}
# Copied here: this module's names are restored first, so patching signal or os does not reach them.
SIGKILL, WNOHANG = int(signal.SIGKILL), os.WNOHANG


class Tidy:
    """A snapshot of the worker's state, taken before any student code runs.

    Inputs:
    - modules: modules whose attributes are restored after each request (numpy, builtins, ...).
    - tables: dicts whose entries are restored (e.g. the tables of the assignment's child_ops).
    - own_namespace: bool, the worker runs in its own PID namespace (then kill(-1) reaches only
      the processes the student started there; without one it must never be used).
    """

    def __init__(self, modules, tables, own_namespace):
        self.saved = [(t, tuple(t), list(t.values())) for t in [m.__dict__ for m in modules] + list(tables)]
        self.handlers = {}
        for number in signal.valid_signals():
            try:
                handler = _signal.getsignal(number)
            except (ValueError, OSError):
                continue
            if handler is not None and number not in UNCATCHABLE:
                self.handlers[int(number)] = handler
        self.recursion = sys.getrecursionlimit()
        self.kill_strays = own_namespace and os.getpid() == 2  # PID 1 is the namespace's init
        self.forked = False
        os.register_at_fork(after_in_parent=self._note_fork)
        self.page = resource.getpagesize()
        # What runs after every request, bound now: a submission that patches os, signal or sys
        # (which are not restored) cannot turn the clean-up off.
        self._kill, self._waitpid, self._pread = os.kill, os.waitpid, os.pread
        self._setitimer, self._getsignal, self._signal = _signal.setitimer, _signal.getsignal, _signal.signal
        self._setrecursionlimit, self._settrace, self._setprofile = sys.setrecursionlimit, sys.settrace, sys.setprofile
        # The restore loop's own: builtins and this module are among what it restores.
        self._builtins = any, map, len, zip, is_not
        self.streams = (sys.__stdout__, sys.__stderr__)
        self.stat = os.open("/proc/self/stat", os.O_RDONLY)
        self.threads = self._threads_and_memory()[0]
        limit = resource.getrlimit(resource.RLIMIT_AS)[0]
        self.memory_cap = limit // 4 if limit != resource.RLIM_INFINITY else None

    def _note_fork(self):
        self.forked = True

    def _has_children(self):
        try:
            with open(f"/proc/self/task/{os.getpid()}/children") as handle:
                return bool(handle.read().strip())
        except OSError:
            return False

    def _threads_and_memory(self):
        """(threads, resident bytes) of this process, from /proc/self/stat; None if unreadable."""
        try:
            fields = self._pread(self.stat, 1024, 0).rsplit(b")", 1)[1].split()
            return int(fields[17]), int(fields[21]) * self.page  # num_threads, rss
        except (OSError, ValueError, IndexError):
            try:
                self.stat = os.open("/proc/self/stat", os.O_RDONLY)  # the student closed ours
            except OSError:
                pass
            return None

    def _reap(self):
        try:
            while self._waitpid(-1, WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass

    def after_request(self):
        """Restore the snapshot; True when the child should be replaced before the next request."""
        any_, map_, len_, zip_, is_not_ = self._builtins
        for live, keys, values in self.saved:
            # Identities only, at C speed: `!=` would also ask the values, and a value whose __eq__
            # says True to everything would pass for the original.
            if len_(live) != len_(values) or any_(map_(is_not_, live.values(), values)):
                for key, value in zip_(keys, values):
                    if live.get(key, MISSING) is not value:
                        live[key] = value
        for timer in TIMERS:  # alarm() included: setting ITIMER_REAL to 0 cancels it
            self._setitimer(timer, 0)
        getsignal = self._getsignal
        for number, handler in self.handlers.items():
            if getsignal(number) is not handler:
                self._signal(number, handler)
        self._setrecursionlimit(self.recursion)
        self._settrace(None)
        self._setprofile(None)
        for stream in self.streams:
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        strays = False
        if self.kill_strays:
            try:
                self._kill(-1, SIGKILL)  # every other process of the namespace but its init
            except ProcessLookupError:  # there is none, not even a zombie to reap: the usual case
                pass
            except OSError:
                self._reap()
            else:
                self._reap()
        else:  # no namespace to sweep: a child that forked is replaced, and its keeper kills the rest
            strays, self.forked = self.forked or self._has_children(), False
        state = self._threads_and_memory()
        if state is None:
            return True
        threads, resident = state
        return strays or threads > self.threads or self.memory_cap is not None and resident > self.memory_cap
