"""The public tests (solutions/tests/qN.py, shipped as assignment/tests/qN.py, with the support
code every handout shares, tools/handout/tests/support/).

One definition, two runners: pytest and otter's grader.check run the same test functions
and must agree. They pass on the reference solutions, fail on the stubs naming the function
not done, and fail on a reference with a planted bug. Every run happens in a subprocess
inside a temporary copy of assignment/ or of its working copy with the solutions in, as a
student would run them.
"""
import ast
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import pytest

from tools import make_assignment

ROOT = make_assignment.ROOT
PUBLIC = ROOT / "solutions" / "tests"
SECTIONS = [f"q{n}" for n in range(1, 8)]

# Run by a plain interpreter, outside any notebook: {question: {test name: passed}}.
OTTER_CHECK = """
import json, sys, otter
grader = otter.Notebook(tests_dir="tests")
results = {q: {r.test_case.name: r.passed for r in grader.check(q).test_case_results} for q in sys.argv[1:]}
print(json.dumps(results))
"""


def _copy(source, tmp_path_factory):
    destination = tmp_path_factory.mktemp(source.name) / source.name
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns(*make_assignment.SKIP))
    return destination


def _solved(tmp_path_factory):
    """A temporary working copy of the handout with the solutions in."""
    destination = tmp_path_factory.mktemp("solutions") / "solutions"
    make_assignment.build(destination, stubs=False)
    return destination


def _pytest(folder, *args):
    """Run pytest in folder; returns {"qN::test_name": failure message or None}."""
    report = folder / "report.xml"
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}", *args],
                   cwd=folder, capture_output=True, text=True, timeout=300)
    results = {}
    for case in ElementTree.parse(report).iter("testcase"):
        failure = case.find("failure")
        if failure is None:
            failure = case.find("error")
        name = f"{case.get('classname').rpartition('.')[2]}::{case.get('name')}"
        results[name] = None if failure is None else failure.get("message", "")
    return results


def _otter(folder):
    """Run every section's grader.check outside a notebook; returns {"qN::test_name": passed}."""
    run = subprocess.run([sys.executable, "-c", OTTER_CHECK, *SECTIONS], cwd=folder,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout.strip().splitlines()[-1])
    return {f"{question}::{name}": passed for question, cases in results.items() for name, passed in cases.items()}


def _defined_tests():
    return {f"{path.stem}::{name}" for path in PUBLIC.glob("q*.py")
            for name in re.findall(r"^def (test_\w+)", path.read_text(), re.M)}


@pytest.fixture(scope="module")
def solutions(tmp_path_factory):
    return _solved(tmp_path_factory)


@pytest.fixture(scope="module")
def stubs(tmp_path_factory):
    return _copy(ROOT / "assignment", tmp_path_factory)


def test_public_tests_pass_on_the_solutions(solutions):
    results = _pytest(solutions)
    assert set(results) == _defined_tests() and len(results) >= 35
    assert {name: message for name, message in results.items() if message is not None} == {}


def test_public_tests_fail_on_the_stubs_naming_the_function(stubs):
    stub_names = set(re.findall(r"raise NotImplementedError\(['\"]([\w.]+) is not implemented yet",
                                "".join(path.read_text() for path in (stubs / "gradlab").glob("*.py"))))
    results = _pytest(stubs)
    assert set(results) == _defined_tests()
    for name, message in results.items():
        match = re.search(r"NotImplementedError: ([\w.]+) is not implemented yet", message or "")
        assert match and match.group(1) in stub_names, f"{name}: {message}"


@pytest.mark.parametrize("folder", ["solutions", "stubs"])
def test_otter_runs_the_same_tests_with_the_same_outcome(folder, request):
    folder = request.getfixturevalue(folder)
    by_pytest = {name: message is None for name, message in _pytest(folder).items()}
    assert _otter(folder) == by_pytest


# A planted bug in the reference, the test that must catch it.
MUTATIONS = [
    ("regularizers.py", "return float(np.sum(W * W)), 2.0 * W", "return float(np.sum(W * W)), 1.0 * W", "q1::test_l2"),
    ("layers.py", "db = dout.sum(axis=0)", "db = dout.mean(axis=0)", "q2::test_affine_backward"),
    ("autodiff.py", "parent.grad += local * node.grad", "parent.grad = local * node.grad", "q5::test_var_backward"),
    ("optim.py", "w = w - learning_rate * grad", "w = w + learning_rate * grad",
     "q6::test_gradient_descent_on_the_bowl"),
]


def _planted(tmp_path_factory, module, correct, wrong, test, table):
    """The public test file of test ("qN::name") run on a solved copy with correct replaced by wrong
    in module (named in table, for the message when the target moved): test -> its failure or None."""
    folder = _solved(tmp_path_factory)
    path = folder / "gradlab" / module
    source = path.read_text()
    assert source.count(correct) == 1, f"the mutation target moved: update {table} for {module}"
    path.write_text(source.replace(correct, wrong))
    return _pytest(folder, f"tests/{test.partition('::')[0]}.py")


@pytest.mark.parametrize("module, correct, wrong, test", MUTATIONS, ids=[m[3] for m in MUTATIONS])
def test_public_tests_catch_a_planted_bug(module, correct, wrong, test, tmp_path_factory):
    results = _planted(tmp_path_factory, module, correct, wrong, test, "MUTATIONS")
    assert results[test] is not None, f"{test} passes with the bug planted in {module}"


def test_tests_folder_holds_only_the_section_tests():
    # otter's check_all takes every top-level .py file of tests/ for a test file.
    assert sorted(path.stem for path in PUBLIC.glob("*.py")) == SECTIONS


def test_public_tests_use_their_own_numerical_gradient():
    def imported(path):
        tree = ast.parse(path.read_text())
        return ({alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}
                | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
                | {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names})
    assert not any("gradlab" in name for name in imported(make_assignment.COMMON / "tests" / "support" / "numeric.py"))
    for path in PUBLIC.glob("q*.py"):
        if path.stem != "q4":  # q4 tests gradcheck itself
            assert "gradcheck" not in imported(path), f"{path.name} must not trust the student's gradcheck"


def test_make_check_runs_the_public_tests(solutions):
    run = subprocess.run(["make", "-s", "check", f"PYTHON={sys.executable}"], cwd=solutions,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(rf"\b{len(_defined_tests())} passed\b", run.stdout), run.stdout


# A result of the wrong kind, the test that meets it and the sentence it must fail with.
WRONG_TYPES = [
    ("regularizers.py", "return float(np.sum(W * W)), 2.0 * W", "return W * W, 2.0 * W", "q1::test_l2",
     "R of l2 should be a float, got an array of shape (2, 3)"),
    ("layers.py", "    return out, (x, w)\n", "    return out\n", "q2::test_affine_forward",
     "affine_forward should return a tuple (out, cache), got an array of shape (3, 5)"),
    ("layers.py", "    return dout * (x > 0)\n", "    return (dout * (x > 0)).tolist()\n", "q3::test_relu",
     "dx of relu_backward should be a float64 array of shape (2, 3), got a list of 2 items"),
    ("gradcheck.py", "    return errors\n", "    return errors.tolist()\n", "q4::test_grad_check_sparse",
     "grad_check_sparse's errors (one per check) should be a float64 array of shape (7,), got a list of 7 items"),
    ("optim.py", '    return {"loss": losses}\n', '    return {"loss": np.array(losses)}\n', "q6::test_train",
     "train should return a dict {'loss': a list of losses}, got a dict of 1 items holding an array of shape (200,)"),
    ("nets.py", "        return float(loss), grads\n", "        return float(loss), list(grads.values())\n",
     "q7::test_two_layer_gradients", "grads should be a dict with the keys of params"),
]
RAW_ERRORS = ("truth value of an array", "has no attribute", "cannot unpack", "not subscriptable", "not iterable",
              "too many values to unpack", "TypeError", "AttributeError", "ValueError")


@pytest.mark.parametrize("module, correct, wrong, test, sentence", WRONG_TYPES, ids=[m[3] for m in WRONG_TYPES])
def test_a_wrong_type_fails_with_a_sentence(module, correct, wrong, test, sentence, tmp_path_factory):
    message = _planted(tmp_path_factory, module, correct, wrong, test, "WRONG_TYPES")[test]
    assert message is not None and sentence in message, message
    assert not any(raw in message for raw in RAW_ERRORS), message
