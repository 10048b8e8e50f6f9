"""The autograder end to end: scores, results.json, isolation of broken submissions."""
import io
import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from autograder import assignment, grade, rubric
from autograder.sandbox import Sandbox
from autograder.sandbox.child import wire
from mutate import ROOT, copy_reference
from results_schema import validate as validate_results


def scores_by_id(results):
    return {t["extra_data"]["id"]: t["score"] for t in results["tests"]}


def tagged(results, function):
    return {t["extra_data"]["id"] for t in results["tests"] if function in t["tags"]}


@pytest.fixture(scope="module")
def reference_results():
    return grade.grade(ROOT / "solutions")[0]


@pytest.fixture(scope="module")
def stub_results():
    return grade.grade(ROOT / "assignment")[0]


def test_rubric_lists_every_check_once_and_totals_100():
    tests = rubric.load()
    assert sorted(t.id for t in tests) == sorted(assignment.current().checks())
    assert sum(t.points for t in tests) == 100
    assert {t.visibility for t in tests} <= set(rubric.VISIBILITIES)


def test_reference_scores_full_marks(reference_results):
    failed = [(t["name"], t["output"]) for t in reference_results["tests"] if t["status"] != "passed"]
    assert failed == []
    assert reference_results["score"] == 100
    validate_results(reference_results)


def test_stubs_score_zero_and_every_test_says_why(stub_results):
    validate_results(stub_results)
    assert stub_results["score"] == 0
    for test in stub_results["tests"]:
        assert test["status"] == "failed" and test["score"] == 0
        assert "not implemented yet" in test["output"], test["output"]
        assert test["extra_data"]["diagnosis"] == "not_implemented"


def test_results_follow_the_gradescope_conventions(reference_results):
    assert isinstance(reference_results["execution_time"], float)
    for test in reference_results["tests"]:
        assert test["name"].startswith(test["tags"][0].split(".")[0])
        assert test["max_score"] > 0 and test["visibility"] in rubric.VISIBILITIES
    visibility = {t["extra_data"]["id"]: t["visibility"] for t in reference_results["tests"]}
    assert visibility["affine_forward.values"] == "visible"
    assert visibility["affine_backward.gradient"] == "after_due_date"
    assert visibility["convergence.ring"] == "after_due_date"


def test_grading_is_deterministic(reference_results):
    def without_measurements(document):
        document = json.loads(json.dumps(document))
        document.pop("execution_time")
        assert document["extra_data"].pop("student_peak_memory_mb") > 0
        return json.dumps(document, sort_keys=True)

    assert without_measurements(grade.grade(ROOT / "solutions")[0]) == without_measurements(reference_results)


def test_command_line_writes_results_and_report(tmp_path):
    upload = tmp_path / "upload.zip"
    with zipfile.ZipFile(upload, "w") as zf:  # the flat layout Gradescope stores, zipped
        for path in (ROOT / "solutions" / "gradlab").glob("*.py"):
            zf.write(path, path.name)
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(upload), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    results = json.loads((out / "results.json").read_text())
    validate_results(results)
    assert results["score"] == 100
    assert "# Grading report" in (out / "report.md").read_text()


def test_command_line_fails_with_one_line_for_a_path_that_does_not_exist(tmp_path):
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "nothing"), "--out",
                           str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"grading failed: {tmp_path / 'nothing'} does not exist\n"
    assert not (tmp_path / "out").exists()


def test_an_unreadable_upload_is_graded_zero_and_says_why_once(tmp_path):
    upload = tmp_path / "upload.zip"
    upload.write_bytes(b"not really a zip")
    results = grade.grade(upload)[0]
    validate_results(results)
    assert results["score"] == 0
    assert results["output"].count("is not a readable zip file") == 1, results["output"]


def assert_only_lost(results, reference_results, lost, either=()):
    """Tests in lost score less than the reference (cases not touching the broken function keep
    their partial credit); tests in either may go both ways; every other test scores exactly what
    the reference scores."""
    validate_results(results)
    expected = scores_by_id(reference_results)
    for test_id, score in scores_by_id(results).items():
        if test_id in either:
            continue
        if test_id in lost:
            assert score < expected[test_id], test_id
        else:
            assert score == expected[test_id], test_id


def test_a_missing_module_costs_only_its_own_tests(tmp_path, reference_results):
    results = grade.grade(copy_reference(tmp_path, drop=["autodiff"]))[0]
    lost = set().union(*(tagged(reference_results, f) for f in ("Dual", "Var", "derivative", "gradient",
                                                               "logistic_map")))
    assert_only_lost(results, reference_results, lost)
    assert "missing module files: autodiff.py" in results["output"]


def test_a_hang_in_one_function_is_bounded_and_isolated(tmp_path, reference_results):
    upload = copy_reference(tmp_path, [("layers", "    return np.maximum(0.0, x), x\n",
                                        "    while True:\n        pass\n")])
    results = grade.grade(upload)[0]
    relu = next(t for t in results["tests"] if t["extra_data"]["id"] == "relu_forward.values")
    assert relu["extra_data"]["diagnosis"] == "timeout" and "did not finish within" in relu["output"]
    assert_only_lost(results, reference_results, tagged(reference_results, "relu_forward"))


def test_os_exit_on_import_loses_that_module_only(tmp_path, reference_results):
    upload = copy_reference(tmp_path, [("regularizers", "import numpy as np\n", "import os\nos._exit(0)\n")])
    results = grade.grade(upload)[0]
    assert "regularizers.py could not be imported" in results["output"]
    # nets imports regularizers, so the network tests are lost too (and say why).
    lost = set().union(*(tagged(reference_results, f) for f in ("l2", "l1", "elastic_net", "MLP.loss",
                                                               "MLP.scores", "LinearClassifier.loss")))
    assert_only_lost(results, reference_results, lost)


def test_monkeypatching_numpy_changes_nothing_but_its_own_answers(tmp_path, reference_results):
    # A submission that makes numpy's comparisons always succeed, and forgets to divide by N.
    patch = ("import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"
             "np.testing.assert_allclose = lambda *a, **k: None\n")
    upload = copy_reference(tmp_path, [("losses", "import numpy as np\n", patch),
                                       ("losses", "    return float(loss), dscores / N\n",
                                        "    return float(loss), dscores\n")])
    results = grade.grade(upload)[0]
    # A gradient N times too large may still train: the convergence tests may go either way.
    convergence = {"convergence.ring", "convergence.three_modes", "convergence.linear"}
    lost = {"softmax_loss.gradient", "softmax_loss.stability", "MLP.loss.gradient", "MLP.loss.regularization",
            "LinearClassifier.loss"}
    assert_only_lost(results, reference_results, lost, either=convergence)


def test_the_wire_refuses_anything_but_plain_data():
    assert wire.decode(wire.encode({"a": (np.arange(3.0), 2)}))["a"][1] == 2
    with pytest.raises(wire.WireError):
        wire.encode(np.array([object()], dtype=object))
    with pytest.raises(wire.WireError):
        wire.decode(b"\x00\x00\x00\x00\x00\x00\x00\x05{bad}")


@pytest.mark.parametrize("array", [
    np.arange(3.0), np.array(2.5), np.zeros((0, 4)), np.arange(6, dtype=">i4").reshape(2, 3),
    np.asfortranarray(np.arange(6.0).reshape(2, 3)), np.arange(24.0).reshape(2, 3, 4)[:, ::2],
    np.array([True, False]), np.arange(4, dtype=np.uint8)], ids=str)
def test_arrays_on_the_wire_are_standard_npy_read_by_the_fast_path(array):
    data = wire._npy(array)
    header_end = 10 + int.from_bytes(data[8:10], "little")
    assert header_end % 64 == 0 and wire.NPY_HEADER.fullmatch(data[10:header_end].decode("latin1"))
    loaded = np.load(io.BytesIO(data), allow_pickle=False)  # numpy's own reader agrees
    back = wire.decode(wire.encode([array]))[0]
    for got in (loaded, back):
        assert got.shape == array.shape and got.dtype == array.dtype and np.array_equal(got, array)


def test_the_child_cannot_see_the_reference(tmp_path):
    probe = tmp_path / "gradlab"
    probe.mkdir()
    (probe / "__init__.py").write_text("")
    (probe / "probe.py").write_text("import sys\ndef where():\n    return ' '.join(sys.path)\n"
                                    "def reference():\n    import gradlab_reference\n")
    with Sandbox(tmp_path) as sandbox:
        path = sandbox.request({"op": "call", "call": {"target": "probe.where"}}).value["result"]
        assert "solutions" not in path and str(ROOT / "autograder" / "checks") not in path
        assert str(ROOT / "assignments") not in path  # nor the assignment's checks
        reply = sandbox.request({"op": "call", "call": {"target": "probe.reference"}})
        assert reply.status == "error" and reply.error["type"] == "ModuleNotFoundError"
