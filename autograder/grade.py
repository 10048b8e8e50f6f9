"""Grade one submission: prepare it, run every rubric test in the sandbox, write the results.

The process running this never imports the submission: student code runs only in the
sandbox's child; reference values come from solutions/gradlab, loaded here.
"""
import math
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from . import checks, reference, results, rubric, submission
from .checks.framework import Case, Tester
from .report import markdown
from .sandbox import Limits, Sandbox, spawner

IMPORT_SECONDS = 5.0


def _module_problems(sandbox, prepared):
    """Sentences for the modules that are missing or do not import, keyed by module name."""
    problems = {m: f"gradlab/{m}.py is missing from the submission" for m in prepared.missing}
    for module in submission.GRADED_MODULES:
        if module in problems:
            continue
        reply = sandbox.request({"op": "import", "module": module}, IMPORT_SECONDS)
        if reply.ok:
            continue
        if reply.status != "error":
            problems[module] = f"gradlab/{module}.py could not be imported: the student's process {reply.detail}"
            continue
        error = reply.error
        where = f" ({error['where']})" if error["where"] else ""
        if error["type"] == "ModuleNotFoundError" and "gradlab" not in error["message"]:
            problems[module] = (f"gradlab/{module}.py imports a package that is not installed on the grader: "
                                f"{error['message']}. Use only numpy and the standard library.")
        else:
            problems[module] = f"gradlab/{module}.py did not import: {error['type']}: {error['message']}{where}"
    return problems


def _jsonable(value):
    """Figures as JSON: arrays to lists, non-finite floats to strings."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (np.integer, np.bool_)):
        return value.item()
    return value


def _test_diagnosis(failed):
    """A test's diagnosis from its failed cases: (code, line for the output or "").

    The code is the one every failed case gives; when they disagree it is "unknown", and the line
    says how many cases gave which code. None when no case failed.
    """
    if not failed:
        return None, ""
    codes = [case.diagnosis or "unknown" for case in failed]
    if len(set(codes)) == 1:
        return codes[0], ""
    counts = ", ".join(f"{codes.count(code)} {code}" for code in sorted(set(codes), key=codes.index))
    return "unknown", (f"Diagnosis of the test: unknown; its {len(codes)} failed cases do not agree on a cause "
                       f"({counts}): look at each case's numbers.")


def _run_test(test, tester):
    check = checks.CHECKS[test.id]
    try:
        check(tester)
    except Exception as error:  # noqa: BLE001 - a grader bug must cost no other test
        tester.cases.append(Case("grader error", False, f"the grader itself failed on this test ({error!r}); "
                                 "please tell the course staff", "grader_error"))
    cases = tester.cases or [Case("no cases", False, "this test ran no case", "grader_error")]
    passed = sum(case.passed for case in cases)
    failed = [case for case in cases if not case.passed]
    lines = [f"{passed}/{len(cases)} cases passed."]
    lines += [f"FAIL {case.name}: {case.message}" for case in failed]
    diagnosis, disagreement = _test_diagnosis(failed)
    if disagreement:
        lines.append(disagreement)
    lines += [f"ok   {case.name}" for case in cases if case.passed]
    return {
        "name": test.name,
        "score": round(test.points * passed / len(cases), 4),
        "max_score": test.points,
        "status": "passed" if not failed else "failed",
        "visibility": test.visibility,
        "tags": list(test.functions),
        "output": "\n".join(lines),
        "extra_data": _jsonable({
            "id": test.id,
            "diagnosis": diagnosis,
            "cases": [{"name": c.name, "passed": c.passed, "message": c.message, "diagnosis": c.diagnosis or None,
                       "figures": c.figures} for c in cases],
            "figures": tester.figures,
        }),
    }


def _explain_dependencies(graded):
    """Add to each failed test the other failed functions it relies on."""
    failed_primary = {test["tags"][0]: test["name"] for test in graded if test["status"] == "failed"}
    for test in graded:
        if test["status"] != "failed":
            continue
        causes = [f"{name} (failed '{failed_primary[name]}')" for name in test["tags"][1:] if name in failed_primary]
        if causes:
            test["output"] += "\nThis failure may follow from other failing functions: " + "; ".join(causes) + "."
            test["extra_data"]["depends_on_failed"] = [name for name in test["tags"][1:] if name in failed_primary]


def grade(upload, limits=Limits(), rubric_tests=None):
    """Grade one upload.

    Inputs:
    - upload: path of a folder or .zip (see submission.py).
    - limits: Limits of the student's process.
    - rubric_tests: list of RubricTest, default the rubric file's.

    Returns: a tuple of (results dict, per-test seconds dict): results in Gradescope's format.
    """
    start = time.monotonic()
    spawner.zygote()  # starts (if not yet running) while the reference loads and the upload is unpacked
    tests = rubric.load() if rubric_tests is None else rubric_tests
    ref = reference.load()
    scratch = Path(tempfile.mkdtemp(prefix="gradlab-"))
    timings, notes = {}, []
    try:
        try:
            prepared = submission.prepare(upload, scratch / "submission")
        except submission.SubmissionError as error:
            prepared, notes = None, [str(error)]
        if prepared is None:
            problems = {m: f"the submission could not be read: {notes[0]}" for m in submission.GRADED_MODULES}
            sandbox = Sandbox(scratch, limits)
        else:
            notes = prepared.notes
            sandbox = Sandbox(prepared.root, limits)
        with sandbox:
            if prepared is not None:
                problems = _module_problems(sandbox, prepared)
            graded = []
            for test in tests:
                began = time.monotonic()
                graded.append(_run_test(test, Tester(sandbox, ref, problems)))
                timings[test.id] = time.monotonic() - began
            printed = sandbox.printed()
            starts = sandbox.starts
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    _explain_dependencies(graded)
    extra = {"grader": "gradlab autograder", "modules": {m: problems.get(m, "ok") for m in submission.GRADED_MODULES},
             "notes": notes, "student_output": printed, "processes_started": starts,
             # As the sandbox applied it (user, namespaces, hidden paths, limits), and why children were stopped.
             "isolation": sandbox.isolation, "children_stopped": sandbox.stopped,
             "student_peak_memory_mb": round(sandbox.peak_memory_kb / 1024, 1)}
    output = markdown.summary(graded, notes, problems)
    return results.build(graded, time.monotonic() - start, output, extra), timings


def grade_to(upload, out_dir, limits=Limits()):
    """Grade upload and write out_dir/results.json and out_dir/report.md (atomically, results last).

    Returns: the results dict.
    """
    document, _ = grade(upload, limits)
    out_dir = Path(out_dir)
    results.write_atomic(out_dir / "report.md", markdown.report(document))
    results.write_atomic(out_dir / "results.json", results.dumps(document))
    return document
