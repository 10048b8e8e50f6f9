"""The typed contract between checks and reports (autograder/report/records.py): records round-trip
through results.json, the checks emit them, and nothing under autograder/report/ (nor an
assignment's report.py) imports checks or the reference."""
import ast
import json
import math

import numpy as np
import pytest

from autograder import grade
from autograder.checks.common import compare_gradient
from autograder.checks import framework
from autograder.report import html, plots, plugins, records
from mutate import ROOT, part
from results_schema import validate

convergence = part("checks.convergence")

EXAMPLES = ROOT / "examples" / "submissions"
FORBIDDEN = ("checks", "reference", "reference_cache")  # modules of autograder a report must not import


@pytest.fixture(scope="module")
def mistakes():
    return grade.grade(EXAMPLES / "backprop_mistakes.zip")[0]


def _through_json(record):
    return records.from_data(json.loads(json.dumps(record.to_data(), allow_nan=False)))


def test_every_kind_round_trips_through_json():
    gradient = records.GradientCheck("affine_backward", "dw", 3.5e-9, 1e-7)
    assert _through_json(gradient) == gradient and gradient.passed
    broken = _through_json(records.GradientCheck("MLP.loss", "W1", math.inf, 1e-7))
    assert broken.error == math.inf and not broken.passed  # "inf" in JSON, read back
    run = records.TrainingRun("ring", 1, [0.7, math.nan, 0.1], [0.7, 0.3], 0.9, 1.0, 0.95)
    back = _through_json(run)
    assert back.loss == [0.7, "nan", 0.1] and back.reference_loss == [0.7, 0.3]  # the plots draw "nan" as a gap
    assert (back.data, back.seed, back.accuracy, back.reference_accuracy, back.threshold) == ("ring", 1, 0.9, 1.0, 0.95)
    assert not back.passed and back.title == "ring, seed 1"
    rng = np.random.default_rng(0)
    grid = rng.integers(0, 3, size=(7, 7))
    boundary = records.DecisionBoundary("three_modes", 0, (-1.5, 2.0, -0.5, 1.25), 7, grid, 1 - grid % 2,
                                        rng.standard_normal((5, 2)), np.array([0, 1, 1, 0, 1]), 0.5, None)
    back = _through_json(boundary)
    assert np.array_equal(back.student, grid) and np.array_equal(back.reference, 1 - grid % 2)
    assert back.extent == boundary.extent and back.size == 7
    assert back.accuracy == 0.5 and back.reference_accuracy is None
    assert np.allclose(back.points, boundary.points, rtol=0, atol=1e-3) and back.labels.tolist() == [0, 1, 1, 0, 1]
    assert np.array_equal(back.grid()[0], boundary.grid()[0])
    assert _through_json(records.DecisionBoundary("d", 0, (0, 1, 0, 1), 2, None, np.zeros((2, 2), int),
                                                  np.zeros((0, 2)), np.zeros(0, int))).student is None


def test_unknown_or_malformed_records_are_skipped():
    good = records.GradientCheck("f", "dx", 0.0, 1e-7).to_data()
    assert records.from_data({"kind": "someone_elses"}) is None and records.from_data([1]) is None
    assert records.from_data(dict(good, error=None)) is not None  # an error that is no number reads as nan
    assert records.from_data({"kind": "gradient_check"}) is None
    rows = records.DecisionBoundary("d", 0, (0, 1, 0, 1), 2, None, np.zeros((2, 2), int), np.zeros((1, 2)),
                                    np.zeros(1, int)).to_data()
    assert records.from_data(dict(rows, reference=["01", "2x"])) is None
    assert records.from_data(dict(rows, reference=["010", "22"])) is None
    assert records.from_data(dict(rows, labels="01")) is None  # a label per point
    assert records.from_data(dict(rows, points="0.5 x")) is None
    assert records.from_data(rows) is not None
    test = {"extra_data": {"records": [good, {"kind": "someone_elses"}, {"kind": "training_run"}]}}
    assert records.of_test(test) == [records.GradientCheck("f", "dx", 0.0, 1e-7)]
    with pytest.raises(ValueError):
        records.classes_to_rows(np.full((2, 2), 10))


def _imports(path):
    """(module, level) of every import in a Python file: level > 0 for relative imports."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found += [(f"{node.module or ''}.{alias.name}".strip("."), node.level) for alias in node.names]
    return found


def _forbidden(name, level, path):
    """Whether an import in path reaches autograder.checks, .reference or .reference_cache."""
    if level:  # relative: resolved from the file's package
        package = path.relative_to(ROOT).with_suffix("").parts[:-1]
        name = ".".join(package[:len(package) - level + 1] + tuple(p for p in name.split(".") if p))
    parts = name.split(".")
    return parts[0] == "autograder" and len(parts) > 1 and parts[1] in FORBIDDEN


def test_no_report_imports_checks_or_the_reference():
    files = sorted((ROOT / "autograder" / "report").glob("*.py")) + sorted(ROOT.glob("assignments/*/report.py"))
    assert len(files) > 5 and ROOT / "assignments" / "gradlab" / "report.py" in files
    bad = [(str(path.relative_to(ROOT)), name) for path in files for name, level in _imports(path)
           if _forbidden(name, level, path)]
    assert bad == []
    # The detection itself works, for relative and absolute imports.
    grade_py = ROOT / "autograder" / "grade.py"
    assert _forbidden("checks.framework", 1, grade_py) and _forbidden("autograder.reference", 0, grade_py)
    assert _forbidden("", 2, ROOT / "autograder" / "report" / "x.py") is False
    assert _forbidden("checks", 2, ROOT / "autograder" / "report" / "x.py")


def test_results_carry_records_in_extra_data_and_stay_valid(mistakes):
    validate(mistakes)
    kinds = {record["kind"] for test in mistakes["tests"] for record in test["extra_data"]["records"]}
    assert kinds == set(records.KINDS)
    assert len(json.dumps(mistakes)) < grade.MAX_RESULTS
    gradients = [r for _, r in records.of_document(mistakes, "gradient_check")]
    assert {"affine_backward", "maxout_backward", "l2", "elastic_net", "LinearClassifier.loss"} <= {
        r.function for r in gradients}
    failed = [r for r in gradients if not r.passed]
    assert {r.function for r in failed} >= {"softmax_loss", "sigmoid_backward", "MLP.loss"}
    runs = [r for _, r in records.of_document(mistakes, "training_run")]
    assert [(r.data, r.seed) for r in runs] == [(n, s) for _, n, s in convergence.RUNS]


def test_a_wrong_gradient_is_recorded_with_its_error_and_the_worst_case_is_kept():
    t = framework.Tester(None, None, {})
    for got in (np.array([1.0, 2.0]), np.array([1.0, 2.5]), np.array([1.0, 2.0 + 1e-12])):
        with t.case("a case"):
            compare_gradient(t, "f_backward", "dx", got, np.array([1.0, 2.0]))
    assert [c.passed for c in t.cases] == [True, False, True]
    (record,) = t.records
    assert record.function == "f_backward" and record.where == "dx" and not record.passed
    assert record.error == pytest.approx(0.5 / 4.5) and record.tolerance == 1e-7
    with pytest.raises(framework.CheckFailed):  # a wrong shape measures no error: nothing recorded
        compare_gradient(t, "g_backward", "dx", np.zeros(3), np.zeros(2))
    assert len(t.records) == 1


def test_a_run_whose_parameters_are_not_finite_has_no_student_regions():
    from autograder import reference
    ref = reference.load()
    X, y = convergence.data(ref, "ring", 0)
    model = convergence.new_model(ref, "MLP", 0)
    t = framework.Tester(None, ref, {})
    convergence._boundary(t, "MLP", "ring", 0, model, X, y, 0.5, 1.0)
    model.params["W1"] = np.full_like(model.params["W1"], np.nan)
    convergence._boundary(t, "MLP", "ring", 0, model, X, y, 0.5, 1.0)
    fine, broken = (_through_json(r) for r in t.records)
    assert fine.student.shape == (convergence.GRID, convergence.GRID) and broken.student is None
    assert np.array_equal(fine.reference, broken.reference) and set(np.unique(fine.reference)) == {0, 1}
    assert "no usable parameters" in plots.decision_boundaries([html.boundary_panel(broken)])


def test_plugins_add_sections_and_a_failing_one_leaves_a_note(tmp_path):
    assert plugins.load(tmp_path) == plugins.Plugins()  # no report.py
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "report.py").write_text(
        "TITLE = 'demo'\n"
        "def count(document):\n    return 'Count', f\"<p>{len(document['tests'])} tests</p>\"\n"
        "def nothing(document):\n    return None\n"
        "def broken(document):\n    raise KeyError('oops')\n"
        "SECTIONS = [count, nothing, broken]\n")
    loaded = plugins.load(tmp_path / "demo")
    document = {"score": 1, "tests": [{"name": "t", "score": 1, "max_score": 1, "status": "passed",
                                       "visibility": "visible", "extra_data": {"id": "t"}}], "extra_data": {}}
    page = html.student_report(document, "s", plugins=loaded)
    assert "<h1>demo: s</h1>" in page and "<h2>Count</h2>\n<p>1 tests</p>" in page
    assert "A section of this report could not be drawn (KeyError: &#x27;oops&#x27;)" in page
    assert page.count("<h2>") == 6  # the five generic sections and Count


def test_gradlab_plugin_draws_the_sampling_counts(mistakes):
    gradlab = plugins.load(ROOT / "assignments" / "gradlab")
    assert gradlab.title == "gradlab"
    heading, fragment = gradlab.sections[0](mistakes)
    assert heading == "Minibatch sampling" and "drew 300 rows in all from 20" in fragment
    assert gradlab.sections[0]({"tests": []}) is None


def test_the_report_package_names_no_assignment():
    """What is an assignment's own lives in its report.py: autograder/report/ never names one."""
    found = [str(path.relative_to(ROOT)) for path in (ROOT / "autograder" / "report").glob("*.py")
             if "gradlab" in path.read_text().lower()]
    assert found == []
