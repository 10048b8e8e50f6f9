"""Results of the wrong kind are told as such: diagnosis wrong_type and a message naming what came
and what was expected (not non_finite, not "got a dict")."""
import pytest

from autograder import grade, rubric
from mutate import copy_reference

CASES = {
    "grad_check_sparse returns a list": (
        ("gradcheck", "    return errors\n    ### END SOLUTION", "    return errors.tolist()\n    ### END SOLUTION"),
        "grad_check_sparse.values", "got a list", "expected an array of shape (7,)"),
    "train's history holds an array of losses": (
        ("optim", 'return {"loss": losses}', 'return {"loss": np.array(losses)}'),
        "train.loop", "history['loss']: got an array of shape (12,)", "expected a list of 12 floats"),
    "train returns the losses as an array": (
        ("optim", 'return {"loss": losses}', "return np.array(losses)"),
        "train.loop", "train returned an array of shape (12,)", "expected a dict"),
    "sample_minibatch returns lists": (
        ("optim", "return X[idx], y[idx]", "return X[idx].tolist(), y[idx].tolist()"),
        "sample_minibatch.values", "X_batch: got a list", "expected an array of shape (8, 2)"),
}


@pytest.mark.parametrize("kind", CASES)
def test_a_wrong_container_is_diagnosed_wrong_type(kind, tmp_path):
    edit, test_id, got, expected = CASES[kind]
    tests = [t for t in rubric.load() if t.id == test_id]
    results = grade.grade(copy_reference(tmp_path, [edit]), rubric_tests=tests)[0]
    (test,) = results["tests"]
    assert test["status"] == "failed" and test["extra_data"]["diagnosis"] == "wrong_type", test["output"]
    failed = next(c for c in test["extra_data"]["cases"] if not c["passed"])
    assert got in failed["message"] and expected in failed["message"], failed["message"]
