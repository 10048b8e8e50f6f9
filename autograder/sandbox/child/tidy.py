"""Putting the worker back in order after each request, so that one function's tricks do not
change the answers of the functions called after it.

A call may patch numpy, builtins or the worker's own modules (their names, the attributes of
their classes), change numpy's error state or the warnings filters, set alarms or signal handlers, change the recursion
limit, install a trace function, leave processes or threads running, or hold on to most of the
memory limit. After every request the worker restores what it snapshotted at start-up, kills
stray processes (in its own PID namespace), and asks the grader for a fresh child when threads,
processes (without a PID namespace) or memory are left behind, or when restoring keeps undoing
itself (an object's __del__, run as the restore drops it, patching again).

This stops the usual tricks, not every one: state it does not snapshot (numpy's internal
modules, closures, os, sys.modules, audit hooks, objects reached through frames, garbage whose
__del__ runs at a collection during a later call) can still reach the next call of the same
child, and harm only that submission's own answers. It is not a boundary between submissions
(each has children of its own).
"""
import _signal  # the C module: signal's Python wrappers convert every handler to an enum, 20x slower
import os
import resource
import signal
import sys
from itertools import repeat
from operator import is_not

MISSING = object()
TIMERS = (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF)  # Linux's alarm() is ITIMER_REAL
UNCATCHABLE = {signal.SIGKILL, signal.SIGSTOP}
# Copied here: this module's names are restored first, so patching signal or os does not reach them.
SIGKILL, WNOHANG = int(signal.SIGKILL), os.WNOHANG
PASSES = 3  # restores in a row that may still find something changed before the child is replaced


class Tidy:
    """A snapshot of the worker's state, taken before any student code runs.

    Inputs:
    - modules: modules whose attributes are restored after each request (numpy, builtins, ...).
    - tables: dicts whose entries are restored (e.g. the tables of the assignment's child_ops).
    - own_namespace: bool, the worker runs in its own PID namespace (then kill(-1) reaches only
      the processes the student started there; without one it must never be used).
    - classes: classes whose attributes are restored, and attributes added to them removed (the
      worker's own: a method patched on its class is called by the worker next time).
    - lists: (list, on_change) pairs: lists whose items are restored (sys.meta_path,
      warnings.filters), on_change() called (or None) after restoring one.
    - resets: callables without arguments, each putting back one setting (numpy's error state).
    - between: the modules among modules that the worker itself works with (builtins, json, its
      own): between() restores them, the tables, classes and lists, between the requests of one
      test that arrive as one.
    """

    def __init__(self, modules, tables, own_namespace, classes=(), lists=(), resets=(), between=()):
        # [live dict, names, values, set of names, "module." or None for a table]: a module loses
        # the names added to it but its submodules (`import json.tool` binds json.tool).
        self.saved = [[m.__dict__, list(m.__dict__), list(m.__dict__.values()), set(m.__dict__), m.__name__ + "."]
                      for m in modules] + [[t, list(t), list(t.values()), set(t), None] for t in tables]
        self.between_saved = [entry for entry, m in zip(self.saved, modules) if m in between] \
            + self.saved[len(modules):]
        self.classes = [(c, vars(c), tuple(vars(c)), list(vars(c).values())) for c in classes]
        self.lists = [(items, tuple(items), on_change) for items, on_change in lists]
        self.resets = tuple(resets)
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
        # cannot turn the clean-up off before it has run (signal is not restored at all).
        self._kill, self._waitpid, self._pread = os.kill, os.waitpid, os.pread
        self._setitimer, self._getsignal, self._signal = _signal.setitimer, _signal.getsignal, _signal.signal
        self._setrecursionlimit, self._settrace, self._setprofile = sys.setrecursionlimit, sys.settrace, sys.setprofile
        # The restore loop's own: builtins and this module are among what it restores.
        self._builtins = any, map, len, zip, is_not, setattr, delattr, repeat(MISSING), sys.modules
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

    def between(self):
        """The part of after_request for between the requests of one test: the worker's own
        modules, tables, classes and lists, timers, handlers and recursion limit put back (what
        its next answer is made with, and what would interrupt it). True when the child should be
        replaced before the next request (threads or much memory left behind, as after_request)."""
        self._settrace(None)
        self._setprofile(None)
        state = self._threads_and_memory()
        if state is None or state[0] > self.threads:
            return True  # no restore with threads about (see after_request)
        self._restore(self.between_saved)
        self._reset_process()
        return self._left_behind(self._threads_and_memory())

    def _reset_process(self):
        """Timers cancelled; signal handlers and the recursion limit as snapshotted."""
        for timer in TIMERS:  # alarm() included: setting ITIMER_REAL to 0 cancels it
            self._setitimer(timer, 0)
        getsignal = self._getsignal
        for number, handler in self.handlers.items():
            if getsignal(number) is not handler:
                self._signal(number, handler)
        self._setrecursionlimit(self.recursion)

    def _left_behind(self, state):
        """Whether a (threads, resident bytes) state (None: unreadable) holds more threads than at
        start, or more memory than the cap."""
        if state is None:
            return True
        threads, resident = state
        return threads > self.threads or (self.memory_cap is not None and resident > self.memory_cap)

    def _restore(self, saved=None):
        """Put back every name (of saved's entries, default all), class attribute and list item
        snapshotted; True when anything had changed."""
        any_, map_, len_, zip_, is_not_, setattr_, delattr_, missing, loaded = self._builtins
        changed = False
        for entry in self.saved if saved is None else saved:
            live, keys, values, names, prefix = entry
            # Identities only, at C speed: `!=` would also ask the values, and a value whose __eq__
            # says True to everything would pass for the original.
            if len_(live) == len_(values):
                if not any_(map_(is_not_, live.values(), values)):
                    continue
            elif prefix is None and not any_(map_(is_not_, map_(live.get, keys, missing), values)):
                continue  # a table that only gained entries: what it had is as it was
            for key, value in zip_(keys, values):
                if live.get(key, MISSING) is not value:
                    live[key], changed = value, True
            if prefix is not None and len_(live) != len_(values):
                for key in [key for key in live if key not in names]:
                    if loaded.get(prefix + key) is live[key]:  # a submodule imported since: kept from now on
                        keys.append(key), values.append(live[key]), names.add(key)
                    else:
                        del live[key]
                        changed = True
        for owner, live, keys, values in self.classes:  # a class's dict is read-only: through setattr
            if len_(live) != len_(values) or any_(map_(is_not_, live.values(), values)):
                for key in [key for key in live if key not in keys]:
                    delattr_(owner, key)
                    changed = True
                for key, value in zip_(keys, values):
                    if live.get(key, MISSING) is not value:
                        setattr_(owner, key, value)
                        changed = True
        for items, saved, on_change in self.lists:
            if len_(items) != len_(saved) or any_(map_(is_not_, items, saved)):
                changed = True
                items[:] = saved
                if on_change is not None:
                    on_change()
        return changed

    def _settle(self):
        """Restore until nothing changes; True if it still did after PASSES restores (what the
        restore drops may run code, a __del__, that patches again: then once more)."""
        try:
            for _ in range(PASSES):
                for reset in self.resets:
                    reset()
                if not self._restore():
                    return False
        except Exception:  # noqa: BLE001 - a reset made to run the submission's code: a fresh child
            pass
        return True

    def after_request(self):
        """Restore the snapshot; True when the child should be replaced before the next request."""
        self._settrace(None)  # first: a trace or profile function would run the submission's code in here
        self._setprofile(None)
        state = self._threads_and_memory()
        # A child left with threads is replaced: no restore for it (they would share the GIL with it,
        # and could run the submission's code during it).
        unsettled = True if state is None or state[0] > self.threads else self._settle()
        self._reset_process()
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
        return self._left_behind(self._threads_and_memory()) or unsettled or strays
