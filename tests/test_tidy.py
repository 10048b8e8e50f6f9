"""The clean-up after each request (autograder/sandbox/child/tidy.py): whatever one call changes in
the worker's tools, timers, signal handlers and interpreter settings is undone before the next
call, at both isolation levels, and also when the call first patched the modules tidy itself uses."""
import pytest

from autograder.sandbox import Sandbox, isolation

PROBE = '''
import _signal, builtins, json, os, signal, sys
import numpy as np
import child_ops

class EqualToAll:
    """A value that says it equals anything: replacing np.max by it must not pass for no change."""
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


ORIGINAL = {"sum": np.sum, "max": np.max, "mean": np.mean, "len": builtins.len, "any": builtins.any,
            "zip": builtins.zip, "dumps": json.dumps,
            "term": _signal.getsignal(signal.SIGTERM), "usr1": _signal.getsignal(signal.SIGUSR1),
            "recursion": sys.getrecursionlimit(), "train": child_ops.OPS["train"]}
GETSIGNAL, GETITIMER, ALARM = _signal.getsignal, _signal.getitimer, _signal.alarm  # trick() may patch _signal


def trick(patch_tools):
    np.sum = lambda *args, **kwargs: 0.0
    del np.mean
    builtins.len = lambda *args: 0
    json.dumps = lambda *args, **kwargs: "{}"
    child_ops.OPS["train"] = None
    _signal.alarm(100)
    _signal.setitimer(_signal.ITIMER_VIRTUAL, 100.0)
    _signal.setitimer(_signal.ITIMER_PROF, 100.0)
    _signal.signal(_signal.SIGTERM, lambda *args: None)
    _signal.signal(_signal.SIGUSR1, _signal.SIG_IGN)
    sys.setrecursionlimit(50)
    sys.settrace(lambda *args: None)
    sys.setprofile(lambda *args: None)
    print("from the trick")
    if patch_tools:  # then what the clean-up calls, each made a no-op
        for name in ("alarm", "setitimer", "signal", "getsignal"):
            setattr(signal, name, lambda *args, **kwargs: None)
            setattr(_signal, name, lambda *args, **kwargs: None)
        for name in ("setrecursionlimit", "settrace", "setprofile"):
            setattr(sys, name, lambda *args, **kwargs: None)
        os.kill = os.waitpid = lambda *args, **kwargs: None
        signal.SIGKILL = 0
        builtins.any, builtins.zip = (lambda *args: False), (lambda *args: ())


def pretend():
    """Replace np.max by a value equal to everything, and change nothing else."""
    np.max = EqualToAll()


def state():
    import numpy
    return {"sum": numpy.sum is ORIGINAL["sum"], "max": numpy.max is ORIGINAL["max"],
            "mean": getattr(numpy, "mean", None) is ORIGINAL["mean"],
            "len": builtins.len is ORIGINAL["len"], "any": builtins.any is ORIGINAL["any"],
            "zip": builtins.zip is ORIGINAL["zip"], "dumps": json.dumps is ORIGINAL["dumps"],
            "train": child_ops.OPS["train"] is ORIGINAL["train"],
            "term": GETSIGNAL(_signal.SIGTERM) is ORIGINAL["term"],
            "usr1": GETSIGNAL(_signal.SIGUSR1) is ORIGINAL["usr1"],
            "recursion": sys.getrecursionlimit() == ORIGINAL["recursion"],
            "trace": sys.gettrace() is None, "profile": sys.getprofile() is None,
            "timers": [GETITIMER(t) for t in (_signal.ITIMER_REAL, _signal.ITIMER_VIRTUAL, _signal.ITIMER_PROF)],
            "alarm": ALARM(0)}
'''


@pytest.mark.parametrize("patch_tools", [False, True], ids=["plain", "tools_patched"])
@pytest.mark.parametrize("level", isolation.LEVELS)
def test_one_calls_tricks_are_undone_before_the_next_call(tmp_path, level, patch_tools):
    (tmp_path / "gradlab").mkdir()
    (tmp_path / "gradlab" / "probe.py").write_text(PROBE)
    with Sandbox(tmp_path, level=level) as sandbox:
        reply = sandbox.request({"op": "call", "call": {"target": "probe.trick", "args": [patch_tools]}})
        assert reply.ok, reply
        reply = sandbox.request({"op": "call", "call": {"target": "probe.state"}})
        assert reply.ok, reply
        found = reply.value["result"]
        timers, alarm = found.pop("timers"), found.pop("alarm")
        assert found == dict.fromkeys(found, True)
        assert timers == [(0.0, 0.0)] * 3 and alarm == 0
        assert sandbox.starts == 1 and "from the trick" in sandbox.printed()


@pytest.mark.parametrize("level", isolation.LEVELS)
def test_a_value_equal_to_everything_is_undone_too(tmp_path, level):
    (tmp_path / "gradlab").mkdir()
    (tmp_path / "gradlab" / "probe.py").write_text(PROBE)
    with Sandbox(tmp_path, level=level) as sandbox:
        assert sandbox.request({"op": "call", "call": {"target": "probe.pretend"}}).ok
        reply = sandbox.request({"op": "call", "call": {"target": "probe.state"}})
        assert reply.ok and reply.value["result"]["max"] is True, reply
