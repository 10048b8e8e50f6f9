"""Several requests of one test sent as one ("each", Sandbox.request_each): the same Replies as
one request each, in one round trip, with the time limit and what a hang costs per request."""
import time

import numpy as np
import pytest

from autograder.checks import framework
from autograder.checks.framework import CallFailed, call_request
from autograder.sandbox import Limits, Sandbox
from autograder.sandbox.process import Sandbox as SandboxClass

PROBE = '''
import time
import numpy as np

def act(what):
    """what: "ok", "raise", "hang", or a number of seconds to sleep; returns what."""
    if what == "raise":
        raise ValueError("asked to raise")
    if what == "hang":
        while True:
            pass
    if not isinstance(what, str):
        time.sleep(what)
    return what

def patch():
    np.seterr(all="raise")
    np.marked = True
    return True

def marked():
    return hasattr(np, "marked")

def leave_thread():
    import threading
    threading.Thread(target=time.sleep, args=(5,), daemon=True).start()
    return True

def threads():
    import threading
    return threading.active_count()

def leave_alarm():
    import signal
    def ring(*args):
        raise TimeoutError("the alarm left behind rang")
    signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, 0.05)
    return True

def break_worker():
    import builtins, json
    builtins.len = lambda *args: 0
    builtins.isinstance = lambda *args: True
    json.dumps = lambda *args, **kwargs: "{}"
    return 1.0
'''


@pytest.fixture
def sandbox(tmp_path):
    (tmp_path / "gradlab").mkdir()
    (tmp_path / "gradlab" / "probe.py").write_text(PROBE)
    with Sandbox(tmp_path, Limits(call_seconds=0.6)) as box:
        yield box


def message(function, *arguments):
    return {"op": "call", "call": {"target": f"probe.{function}", "args": list(arguments)}}


@pytest.fixture
def sends(monkeypatch):
    """How many requests went to a child."""
    count = [0]
    send = SandboxClass._send

    def counted(self, *a):
        count[0] += 1
        return send(self, *a)
    monkeypatch.setattr(SandboxClass, "_send", counted)
    return count


def test_the_replies_are_those_of_one_request_each_in_one_round_trip(sandbox, sends):
    messages = [message("act", what) for what in ("ok", 0.0, "ok")]
    sandbox.request(message("act", "ok"))  # the child's start and imports
    sends[0] = 0
    replies = list(sandbox.request_each(messages))
    assert sends[0] == 1
    alone = [sandbox.request(m) for m in messages]
    assert [r.value["result"] for r in replies] == [r.value["result"] for r in alone] == ["ok", 0.0, "ok"]


def test_the_time_limit_is_each_requests_own(sandbox):
    # Three naps of 0.3 s, each within the 0.6 s limit, 0.9 s in all.
    replies = list(sandbox.request_each([message("act", 0.3)] * 3))
    assert [r.status for r in replies] == ["ok"] * 3


def test_after_a_request_that_raises_the_rest_are_sent_again(sandbox, sends):
    replies = list(sandbox.request_each([message("act", w) for w in ("ok", "raise", "ok", "ok")]))
    assert [r.status for r in replies] == ["ok", "error", "ok", "ok"]
    assert "asked to raise" in replies[1].error["message"] and sends[0] == 2


def test_until_failure_sends_nothing_after_the_first_failure(sandbox):
    replies = list(sandbox.request_each([message("act", w) for w in ("ok", "raise", "ok")], until_failure=True))
    assert [r.status for r in replies] == ["ok", "error"]


def test_a_hang_costs_one_timeout_and_the_requests_before_it_keep_their_answers(sandbox):
    began = time.monotonic()
    replies = list(sandbox.request_each([message("act", w) for w in ("ok", "hang", "ok", "hang")]))
    elapsed = time.monotonic() - began
    assert [r.status for r in replies] == ["ok", "timeout", "error", "error"]
    assert "it was running probe.act" in replies[1].detail
    assert replies[2].error["type"] == replies[3].error["type"] == "HungEarlier"  # disabled, as when sent alone
    assert elapsed < 0.6 + 1.5  # one call's limit and the child's replacement


def test_the_time_budget_ending_inside_a_batch_ends_it(tmp_path):
    (tmp_path / "gradlab").mkdir()
    (tmp_path / "gradlab" / "probe.py").write_text(PROBE)
    with Sandbox(tmp_path, Limits(call_seconds=1.0, total_seconds=0.8)) as box:
        replies = list(box.request_each([message("act", w) for w in (0.5, 0.5, "ok")]))
        assert [r.status for r in replies] == ["ok", "timeout", "timeout"]
        assert "s left of the submission's time budget" in replies[1].detail
        assert "was not run" in replies[2].detail


def test_the_clean_up_runs_after_the_last_request_only(sandbox):
    # What one request of a batch changes reaches the batch's later requests (one test's), and
    # is undone before the next request.
    replies = list(sandbox.request_each([message("patch"), message("marked")]))
    assert [r.value["result"] for r in replies] == [True, True]
    assert sandbox.request(message("marked")).value["result"] is False


def test_a_testers_outcomes_raise_in_the_case_they_belong_to(sandbox):
    t = framework.Tester(sandbox, None, {})
    outcomes = t.run_each([call_request("probe.act", what) for what in ("ok", "raise", 0.0)])
    assert outcomes[0]() == ("ok", ["ok"])
    with pytest.raises(CallFailed, match="asked to raise"):
        outcomes[1]()
    assert outcomes[2]()[0] == 0.0


def test_a_module_that_does_not_import_fails_every_outcome(sandbox):
    class Problem:
        sentence, diagnosis = "gradlab/probe.py did not import", "import_error"
    t = framework.Tester(sandbox, None, {"probe": Problem()})
    for outcome in t.run_each([call_request("probe.act", "ok"), call_request("probe.act", np.zeros(2))]):
        with pytest.raises(CallFailed, match="did not import"):
            outcome()


def test_the_worker_is_put_back_in_order_between_the_requests_of_a_batch(sandbox):
    # Its own modules (builtins, json, its own): each later answer is made and framed as usual.
    replies = list(sandbox.request_each([message("break_worker"), message("act", "ok"), message("break_worker"),
                                         message("act", 0.0)]))
    assert [r.status for r in replies] == ["ok"] * 4
    assert [r.value["result"] for r in replies] == [1.0, "ok", 1.0, 0.0]


def test_a_caller_that_stops_taking_answers_stops_the_child(sandbox):
    # One case's requests: it failed on the first answer, so the slow calls after it must not
    # cost their time (the child runs ahead; it is stopped when the caller moves on).
    began = time.monotonic()
    replies = sandbox.request_each([message("act", w) for w in (0.0, 0.5, 0.5, 0.5)], until_failure=True)
    assert next(replies).ok
    replies.close()
    assert sandbox.process is None and time.monotonic() - began < 1.0
    assert sandbox.request(message("act", "ok")).ok


def test_a_case_that_fails_on_an_answer_costs_no_later_call(sandbox):
    t = framework.Tester(sandbox, None, {})
    sandbox.request(message("act", "ok"))  # the child's start and imports
    began = time.monotonic()
    outcomes = t.run_each([call_request("probe.act", w) for w in (0.0, 0.5, 0.5, 0.5)], until_failure=True)
    assert outcomes[0]()[0] == 0.0  # the case judges this answer wrong and ends here
    assert sandbox.request(message("act", "ok")).ok  # the next case's request
    assert time.monotonic() - began < 1.0


def test_a_request_that_leaves_a_thread_ends_the_batch_and_the_rest_go_to_a_fresh_child(sandbox):
    replies = list(sandbox.request_each([message("leave_thread"), message("threads"), message("threads")]))
    assert [r.status for r in replies] == ["ok"] * 3
    assert [r.value["result"] for r in replies[1:]] == [1, 1]  # no thread of the first request's about
    assert sandbox.stopped["replaced"] == 1


def test_an_alarm_left_behind_does_not_ring_in_the_next_request(sandbox):
    replies = list(sandbox.request_each([message("leave_alarm"), message("act", 0.2)]))
    assert [r.status for r in replies] == ["ok", "ok"], replies[1].error
