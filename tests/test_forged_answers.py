"""A submission that writes answers of its own onto the grader's pipe (the independent review's
cases): whatever it forges costs its own case, with the submission named, never the grader."""
import time

import numpy as np

from autograder import grade, submission
from autograder.checks.framework import describe
from autograder.sandbox import Sandbox
from hostile.build import edited_reference
from hostile.cases import FIND_REQUEST, FORGE_ANSWER


def forged(tmp_path, function, module, answer):
    document, _ = grade.grade(edited_reference(tmp_path, [(module, function, FORGE_ANSWER.format(answer=answer))], {}))
    return {t["extra_data"]["id"]: t for t in document["tests"]}


def test_an_answer_without_its_result_fails_the_case_and_blames_the_submission(tmp_path):
    tests = forged(tmp_path, "mse_loss", "losses", '{"ok": True}')
    test = tests["mse_loss.values"]
    assert test["score"] == 0 and "sent back an answer without its 'result'" in test["output"]
    assert not [t for t in tests.values() if "the grader itself failed" in t["output"]]


def test_saying_where_it_is_stuck_unasked_is_a_bad_answer(tmp_path):
    tests = forged(tmp_path, "mse_loss", "losses", '{"ok": False, "hung_in": ["losses.mse_loss"]}')
    assert "said where it was stuck when nobody had asked" in tests["mse_loss.values"]["output"]
    assert not [t for t in tests.values() if "the grader itself failed" in t["output"]]


def _forged_then_next(tmp_path, code):
    """A call of an mse_loss whose body is code, then a call of relu_forward, in one sandbox:
    (the first reply, the second, the sandbox's stopped counts)."""
    upload = edited_reference(tmp_path / "upload", [("losses", "mse_loss", code)], {})
    prepared = submission.prepare(upload, tmp_path / "prepared")
    x = np.ones((2, 3))
    with Sandbox(prepared.root) as sandbox:
        forged_reply = sandbox.request({"op": "call", "call": {"target": "losses.mse_loss", "args": [x, x]}})
        time.sleep(0.2)  # the worker's own answer to it is on the pipe by now
        next_reply = sandbox.request({"op": "call", "call": {"target": "layers.relu_forward", "args": [x]}})
    return forged_reply, next_reply, sandbox.stopped


def test_the_answer_after_a_forged_one_does_not_cost_the_next_function(tmp_path):
    code = FORGE_ANSWER.format(answer='{"ok": True, "result": 0.0, "args_after": []}')
    forged_reply, next_reply, stopped = _forged_then_next(tmp_path, code)
    assert forged_reply.ok and forged_reply.value["result"] == 0.0
    assert next_reply.ok, next_reply.detail
    assert stopped["bad_answer"] == 1  # the child that answered out of turn was replaced


def test_a_second_answer_read_with_the_first_is_still_out_of_turn(tmp_path):
    # Two answers in one write, so one read takes both, and the worker's own answers sent to
    # /dev/null from then on: the second is not dropped with the rest of the read, it is the next
    # exchange's first message (as when the pipe splits them), read before waiting for more.
    code = FORGE_ANSWER.format(answer='{"ok": True, "result": 0.0, "args_after": []}').replace(
        "data = wire.frame(", "data = 2 * wire.frame(").replace(
        "return None", "os.dup2(os.open(os.devnull, os.O_WRONLY), 4)\nreturn None")
    forged_reply, next_reply, stopped = _forged_then_next(tmp_path, code)
    assert forged_reply.ok and next_reply.ok, next_reply.detail
    assert stopped["bad_answer"] == 1


def test_a_huge_answer_is_described_from_its_first_items():
    text = describe([[1.0] * 400_000] * 1000)  # its whole repr: 4.8 GB (the review's answer took 9 s)
    assert text.startswith("a list ([[1.0, 1.0") and len(text) < 100


# Forges an answer only to a perturb request (a gradient check's centered differences), then
# returns what the solution returns; {answer} is a Python expression of the request.
FORGE_PERTURBED = FIND_REQUEST.replace("{", "{{").replace("}", "}}") + """
import os, wire
if request["op"] == "perturb":
    data = wire.frame({{"ok": True, **{answer}, "seq": seq}})
    while data:
        data = data[os.write(4, data):]
return {solution}
"""


def forged_perturbed(tmp_path, module, function, solution, answer):
    code = FORGE_PERTURBED.format(answer=answer, solution=solution)
    document, _ = grade.grade(edited_reference(tmp_path, [(module, function, code)], {}))
    tests = {t["extra_data"]["id"]: t for t in document["tests"]}
    assert not [t for t in tests.values() if "the grader itself failed" in t["output"]]
    return tests


def test_too_few_perturbed_values_fail_the_gradient_check(tmp_path):
    tests = forged_perturbed(tmp_path, "regularizers", "l1", "float(np.sum(np.abs(W))), np.sign(W).astype(float)",
                             '{"values": [1.0]}')
    test = tests["l1.values_and_gradient"]
    assert test["score"] < test["max_score"] and "as its" in test["output"] and "perturbed values" in test["output"]


def test_forged_sums_of_the_wrong_form_fail_the_gradient_check(tmp_path):
    # A child's sums of sum(out * dout) that are not one float per perturbation.
    answer = '{"values": [None] * (2 * request["perturbations"][0]["size"]), "summed": "yes", "sums": [0.0]}'
    tests = forged_perturbed(tmp_path, "layers", "relu_forward", "np.maximum(0.0, x), x", answer)
    test = tests["relu_backward.gradient"]
    assert test["score"] < test["max_score"] and "perturbed values the grader cannot use" in test["output"]
