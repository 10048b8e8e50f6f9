"""Feedback that names the bug: the diagnosis vocabulary and fingerprints, and every assignment's
mutation suite (its spec's `mutants` folder, graded by tests/mutants/runner.py): every mutant is
killed, at least 90% get their expected diagnosis, and every correct variant keeps full marks."""
import ast
import re

import numpy as np
import pytest

from autograder import assignment, rubric
from autograder.checks import framework
from autograder.checks.diagnosis import SELF_EXPLAINING, Suspect, diagnose, region
from mutants import runner
from mutate import ROOT, diagnoses
from results_schema import validate as validate_results

DIAGNOSES = diagnoses()

# The codes the issue asks for; every one of them must be the expected diagnosis of some mutant.
ISSUE_CODES = {
    "not_implemented", "exception", "timeout", "memory_limit", "wrong_shape", "wrong_dtype", "non_finite",
    "overflow_on_large_inputs", "scaled_by_N", "scaled_by_1_over_N", "sign_flipped", "scaled_by_constant",
    "transposed", "missing_regularization_gradient", "wrong_regularization_gradient", "wrong_at_kink",
    "wrong_on_negative_side", "derivative_from_wrong_cached_value", "missing_bias_gradient", "loss_offset",
    "mutates_input", "not_deterministic", "state_leaks_between_calls", "first_order_difference",
    "input_not_restored", "sampling_with_replacement", "rows_misaligned", "not_converged", "diverged", "unknown"}


# Every assignment with a mutation suite.
SUITES = sorted(p.name for p in assignment.ASSIGNMENTS.iterdir()
                if (p / assignment.SPEC).is_file() and (assignment.load(p.name).mutants / "mutants.toml").is_file())


@pytest.fixture(scope="module", params=SUITES)
def report(request):
    # Focused: each mutant faces the tests tagged with its function, the only ones that can kill
    # or judge it; `make mutants` grades everything against the whole rubric.
    previous = assignment.current()
    assignment.use(request.param)
    try:
        return runner.run(jobs=2, focused=True)
    finally:
        assignment.use(previous)


def test_every_assignment_has_its_mutation_suite():
    assert {"gradlab", "dropnorm"} <= set(SUITES)


# -- the vocabulary ---------------------------------------------------------------------------------
# Where each call that carries a diagnosis code takes it: positions and keyword.
CODE_ARGUMENTS = {"CheckFailed": ((1,), "diagnosis"), "CallFailed": ((1,), "diagnosis"),
                  "Failure": ((1,), "diagnosis"), "Case": ((3,), "diagnosis"), "expect_unchanged": ((3,), "diagnosis"),
                  "Suspect": ((0,), "code"), "region": ((0,), "code"), "describe_cause": ((0,), "code"),
                  "relabel": ((0, 1), "new")}


def _constants(node):
    """The string constants an expression can evaluate to (through `a if c else b` and `a or b`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _constants(node.body) | _constants(node.orelse)
    if isinstance(node, ast.BoolOp):
        return set().union(*(_constants(value) for value in node.values))
    return set()


def _codes_in_source():
    """dict code -> file, for every literal code that the checks (the harness's and the assignment's),
    its diagnoses and grade.py pass to a failure."""
    folder = assignment.current().folder
    files = (sorted((ROOT / "autograder" / "checks").glob("*.py")) + [ROOT / "autograder" / "grade.py"]
             + sorted((folder / "checks").glob("*.py")) + sorted(folder.glob("diagnoses.py")))
    found = {}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name not in CODE_ARGUMENTS:
                continue
            positions, keyword = CODE_ARGUMENTS[name]
            arguments = [node.args[i] for i in positions if i < len(node.args)]
            arguments += [k.value for k in node.keywords if k.arg == keyword]
            for argument in arguments:
                for code in _constants(argument):
                    found.setdefault(code, path.name)
    return found


def test_every_code_the_grader_emits_is_in_the_vocabulary():
    codes = _codes_in_source()
    assert len(codes) > 20  # the scan sees the checks' codes
    assert {code: where for code, where in codes.items() if code not in DIAGNOSES} == {}
    assert set(framework.CALL_DIAGNOSES.values()) | set(framework.ERROR_DIAGNOSES.values()) <= set(DIAGNOSES)
    assert ISSUE_CODES <= set(DIAGNOSES)


def test_the_instructors_page_documents_exactly_the_vocabulary():
    text = (ROOT / "docs" / "instructors.md").read_text()
    section = text.split("\n## Diagnoses\n", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `([A-Za-z0-9_]+)` \|", section, re.M)
    assert sorted(documented) == sorted(DIAGNOSES)
    assert len(documented) == len(set(documented))


# -- fingerprints -----------------------------------------------------------------------------------
EXPECTED = np.random.default_rng(0).standard_normal((4, 3))


@pytest.mark.parametrize("got, n, code", [
    (EXPECTED * 5, 5, "scaled_by_N"), (EXPECTED / 5, 5, "scaled_by_1_over_N"), (-EXPECTED, 5, "sign_flipped"),
    (EXPECTED * 2.5, 5, "scaled_by_constant"), (EXPECTED + 1e-3, 5, "unknown")])
def test_generic_fingerprints(got, n, code):
    found, hint = diagnose(got, EXPECTED, n=n, what="dW")
    assert found == code
    assert "dW" in hint or code == "unknown"


def test_a_square_transpose_is_named():
    square = np.arange(9.0).reshape(3, 3) + 1
    assert diagnose(square.T, square)[0] == "transposed"


def test_a_single_number_is_never_fitted_a_factor():
    assert diagnose(1.37, 1.0)[0] == "unknown"
    assert diagnose(2.0, 1.0)[0] == "unknown"  # only a check that knows a factor 2 is plausible names it


def test_two_causes_that_fit_equally_give_unknown_with_both_named():
    code, hint = diagnose(EXPECTED * 0.5, EXPECTED, [Suspect("loss_offset", "offset", EXPECTED * 0.5),
                                                      Suspect("ignores_argument", "default", EXPECTED * 0.5)])
    assert code == "unknown" and "loss_offset" in hint and "ignores_argument" in hint


def test_a_region_must_hold_outside_and_fail_inside():
    x = np.random.default_rng(1).standard_normal(EXPECTED.shape)
    negative = region("wrong_on_negative_side", x < 0, "where x < 0")
    wrong_below = np.where(x < 0, 3 * EXPECTED, EXPECTED)
    assert diagnose(wrong_below, EXPECTED, [negative])[0] == "wrong_on_negative_side"
    wrong_above = np.where(x > 0, 3 * EXPECTED, EXPECTED)
    assert diagnose(wrong_above, EXPECTED, [negative])[0] == "unknown"


def test_unknown_shows_the_numbers():
    code, hint = diagnose(np.array([1.0, 2.0, 4.0]), np.array([1.0, 2.0, 3.0]))
    assert code == "unknown" and "got 4 where 3 was expected" in hint and "1 of 3 entries differ" in hint


# -- the mutation suite -----------------------------------------------------------------------------
def test_catalog_covers_every_graded_function_and_every_code():
    mutants = runner.load_catalog()
    assert len(mutants) >= 40 and len(runner.variant_names()) >= 5
    graded = {test.functions[0] for test in rubric.load()}
    assert graded - {m.function for m in mutants} == set()
    assert ISSUE_CODES - {m.expect for m in mutants} == set()


def test_the_catalog_rejects_an_edit_that_does_not_apply(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[mutant]]\nname = 'x'\nmodule = 'losses'\nfunction = 'softmax_loss'\nexpect = 'unknown'\n"
                   "why = 'nothing'\nedits = [['this text is not in losses.py', '']]\n")
    with pytest.raises(ValueError, match="occurs 0 times"):
        runner.load_catalog(bad)


def test_every_mutant_is_killed(report):
    assert [v.mutant.name for v in report.verdicts if not v.killed] == []


def test_at_least_90_percent_get_their_expected_diagnosis(report):
    wrong = [(v.mutant.name, v.judged_by, v.given, v.mutant.expect) for v in report.verdicts if not v.diagnosed]
    assert report.diagnosed >= runner.DIAGNOSED_SHARE * len(report.verdicts), wrong
    assert report.passed, runner.table(report)


def test_every_correct_variant_scores_full_marks(report):
    assert report.variants and report.total > 0
    assert {name: failed for name, (score, failed) in report.variants.items() if score != report.total} == {}


def test_the_output_names_the_diagnosis_and_its_hint(report):
    for verdict in report.verdicts:
        document = report.outputs[verdict.mutant.name]
        validate_results(document)
        test = next(t for t in document["tests"] if t["extra_data"]["id"] == verdict.judged_by)
        cases = [c for c in test["extra_data"]["cases"] if not c["passed"]]
        assert test["extra_data"]["diagnosis"] in {c["diagnosis"] for c in cases} | {"unknown"}
        if verdict.given not in SELF_EXPLAINING:
            assert f"Diagnosis: {verdict.given}" in test["output"], test["output"]


def test_the_table_lists_every_mutant_and_the_totals(report):
    text = runner.table(report)
    assert all(v.mutant.name in text for v in report.verdicts)
    assert f"killed: {report.killed}" in text and "correctly diagnosed:" in text and "survived: 0" in text
