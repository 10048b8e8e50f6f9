"""Sandboxed children are forks of a pre-warmed zygote: fresh every time, holding nothing of the grader's."""
from concurrent.futures import ThreadPoolExecutor

import pytest

from autograder.sandbox import Sandbox, spawner

PROBE = '''import sys
import numpy


def modules():
    return sorted(sys.modules)


def mark():
    numpy.gradlab_mark = True
    sys.modules["gradlab_mark"] = sys


def marked():
    return hasattr(numpy, "gradlab_mark") or "gradlab_mark" in sys.modules


def crash():
    import os
    os._exit(7)
'''


@pytest.fixture
def probe(tmp_path):
    (tmp_path / "gradlab").mkdir()
    (tmp_path / "gradlab" / "__init__.py").write_text("")
    (tmp_path / "gradlab" / "probe.py").write_text(PROBE)
    return tmp_path


def call(sandbox, function):
    reply = sandbox.request({"op": "call", "call": {"target": f"probe.{function}"}})
    assert reply.ok, reply
    return reply.value["result"]


def test_a_child_holds_numpy_and_the_worker_but_nothing_of_the_grader(probe):
    with Sandbox(probe) as sandbox:
        modules = call(sandbox, "modules")
    assert "numpy.random" in modules and "worker" in modules  # loaded once, in the zygote
    grader = [m for m in modules if m.split(".")[0] in ("autograder", "gradlab_reference", "tools", "tomllib")]
    assert grader == []


def test_every_child_starts_from_the_zygote_untouched_by_earlier_children(probe):
    with Sandbox(probe) as sandbox:
        call(sandbox, "mark")
        assert call(sandbox, "marked") is True
        sandbox.close()
        assert call(sandbox, "marked") is False  # a new child never saw the old one's changes
        assert sandbox.starts == 2


def test_the_exit_status_and_peak_memory_of_a_child_come_back_through_the_zygote(probe):
    with Sandbox(probe) as sandbox:
        reply = sandbox.request({"op": "call", "call": {"target": "probe.crash"}})
        assert reply.status == "crashed" and "exit code 7" in reply.detail
        assert sandbox.peak_memory_kb > 1024


@pytest.mark.parametrize("noticed", ["before forking", "when a fork fails"])
def test_a_dead_zygote_is_replaced(probe, monkeypatch, noticed):
    dead = spawner.zygote()
    dead.process.kill()
    dead.process.wait()
    if noticed == "when a fork fails":  # as in a batch worker, which cannot wait for its parent's zygote
        monkeypatch.setattr(spawner.Zygote, "alive", lambda self: True)
    with Sandbox(probe) as sandbox:
        assert call(sandbox, "marked") is False
    monkeypatch.undo()
    assert spawner.zygote() is not dead and spawner.zygote().alive()


def test_threads_that_find_the_zygote_dead_start_one_successor_and_lose_nothing(probe, monkeypatch):
    dead = spawner.zygote()
    dead.process.kill()
    dead.process.wait()
    started = []

    class Counted(spawner.Zygote):
        def __init__(self, *args):
            super().__init__(*args)
            started.append(self)
    monkeypatch.setattr(spawner, "Zygote", Counted)
    monkeypatch.setattr(Counted, "alive", lambda self: True)  # each thread finds out by forking

    def grade_one(_):
        with Sandbox(probe) as sandbox:
            return call(sandbox, "marked"), sandbox.process.lost
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(grade_one, range(4)))
    assert outcomes == [(False, False)] * 4 and len(started) == 1


def test_the_zygote_exits_when_the_grader_closes_its_socket():
    zygote = spawner.Zygote()
    zygote.close()  # waits up to 2 s, then kills: an exit of its own is status 0
    assert zygote.process.returncode == 0
