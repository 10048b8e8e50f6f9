"""Grade one submission: prepare it, run every rubric test in the sandbox, write the results.

The process running this never imports the submission: student code runs only in the
sandbox's child; reference values come from the assignment's reference, loaded here.
"""
import math
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from . import assignment, leaderboard, reference, results, rubric, submission, visibility
from .checks.framework import Case, Tester
from .lanes import CHILD_SECONDS, pinned, run_at_once
from .lanes import plan as lane_plan
from .problems import ModuleProblem
from .report import markdown
from .sandbox import Limits, Sandbox, spawner
from .sandbox.process import clip

IMPORT_SECONDS = 5.0
MAX_MESSAGE = 1000  # characters of one case's message
MAX_OUTPUT = 8000  # characters of one test's output
MAX_RESULTS = 1 << 20  # bytes of results.json: past it, the measured figures are dropped (scores stay)


def _module_problems(sandbox, prepared, spec):
    """ModuleProblems of the graded modules that are missing or do not import, keyed by module name."""
    package = spec.package
    problems = {m: ModuleProblem(m, "missing", f"{package}/{m}.py is missing from the submission")
                for m in prepared.missing}
    modules = [m for m in spec.graded if m not in problems]
    replies = sandbox.request_each([{"op": "import", "module": m} for m in modules], IMPORT_SECONDS)
    for module, reply in zip(modules, replies):
        if reply.ok:
            continue
        if reply.status != "error":
            problems[module] = ModuleProblem(module, "crashed", f"{package}/{module}.py could not be imported: "
                                             f"the student's process {reply.detail}")
            continue
        error = reply.error
        where = f" ({error['where']})" if error["where"] else ""
        if error["type"] == "ModuleNotFoundError" and package not in error["message"]:
            problems[module] = ModuleProblem(module, "not_installed", (
                f"{package}/{module}.py imports a package that is not installed on the grader: "
                f"{error['message']}. Use only numpy and the standard library."))
        else:
            problems[module] = ModuleProblem(module, "import_error", f"{package}/{module}.py did not import: "
                                             f"{error['type']}: {error['message']}{where}")
    return problems


def _jsonable(value):
    """Figures as JSON: arrays to lists, non-finite floats to strings."""
    if type(value) is float:  # first: most figures are loss curves and parameters, thousands of floats
        return value if math.isfinite(value) else str(value)
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


def _bounded(document):
    """document, cut until results.json and report.md are under MAX_RESULTS bytes (characters
    count up to 12 bytes in JSON): first the measured figures go, then every text is cut shorter.
    Scores are never touched. Returns: tuple (document, results.dumps(document))."""
    text = None

    def fits():
        nonlocal text
        text = results.dumps(document)
        return max(len(text), len(markdown.report(document).encode())) <= MAX_RESULTS

    if fits():
        return document, text
    extra = document["extra_data"]
    for test in document["tests"]:
        test["extra_data"]["figures"] = {}
        test["extra_data"]["records"] = []
        for case in test["extra_data"]["cases"]:
            case["figures"] = {}
    extra["notes"].append(f"figures and texts cut: results.json would pass {MAX_RESULTS >> 20} MB")
    for output, message in ((MAX_OUTPUT // 4, MAX_MESSAGE // 4), (400, 100), (100, 40)):
        if fits():
            break
        document["output"] = clip(document["output"], 4 * output)
        for test in document["tests"]:
            test["output"] = clip(test["output"], output)
            for case in test["extra_data"]["cases"]:
                case["message"] = clip(case["message"] or "", message)
        extra["student_output"] = clip(extra.get("student_output", ""), output)
        extra["student_output_later"] = {k: clip(v, output) for k, v in extra.get("student_output_later", {}).items()}
        extra["modules"] = {k: clip(v, message) for k, v in extra["modules"].items()}
        extra["notes"] = [clip(n, message) for n in extra["notes"]]
    return document, results.dumps(document)


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


def _run_test(test, tester, check):
    try:
        check(tester)
    except Exception as error:  # noqa: BLE001 - a grader bug must cost no other test
        tester.cases.append(Case("grader error", False, f"the grader itself failed on this test ({error!r}); "
                                 "please tell the course staff", "grader_error"))
    cases = tester.cases or [Case("no cases", False, "this test ran no case", "grader_error")]
    for case in cases:  # whatever the submission sent, a test's text stays small
        case.message = clip(case.message, MAX_MESSAGE)
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
        "output": clip("\n".join(lines), MAX_OUTPUT),
        "extra_data": _jsonable({
            "id": test.id,
            "diagnosis": diagnosis,
            "cases": [{"name": c.name, "passed": c.passed, "message": c.message, "diagnosis": c.diagnosis or None,
                       "figures": c.figures} for c in cases],
            "figures": tester.figures,
            "records": [record.to_data() for record in tester.records],
        }),
    }


def _explain_dependencies(graded, due_passed):
    """Add to each failed test the other failed functions it relies on: all of them in extra_data
    (the staff's), in its output only those with a failed test the student sees no later than
    this one (a visible test does not reveal that a gradient check hidden until the due date fails)."""
    failed_by_function = {}
    for test in graded:
        if test["status"] == "failed":
            failed_by_function.setdefault(test["tags"][0], []).append(test)
    for test in graded:
        if test["status"] != "failed":
            continue
        depends = [name for name in test["tags"][1:] if name in failed_by_function]
        if depends:
            test["extra_data"]["depends_on_failed"] = depends
        causes = []
        for name in depends:
            cited = next((other for other in failed_by_function[name]
                          if visibility.may_mention(test["visibility"], other["visibility"], due_passed)), None)
            if cited is not None:
                causes.append(f"{name} (failed '{cited['name']}')")
        if causes:
            test["output"] += "\nThis failure may follow from other failing functions: " + "; ".join(causes) + "."


def _grade_tests(sandbox, tests, ref, problems, checks):
    """Grade tests in order in sandbox. Returns: tuple (dict test id -> graded test, dict test id -> seconds)."""
    graded, timings = {}, {}
    for test in tests:
        began = time.monotonic()
        graded[test.id] = _run_test(test, Tester(sandbox, ref, problems), checks[test.id].function)
        timings[test.id] = time.monotonic() - began
    return graded, timings


def _grade_in_lanes(sandboxes, tests, cpus, ref, problems, checks):
    """Grade tests one visibility after the other (rubric.VISIBILITIES), visible tests first.
    Nothing a test's inputs leave behind in a child, nor what it prints, reaches a test of another
    visibility, but for the visible tests' (the student sees their inputs and outputs anyway): their
    children go on to the next visibility's tests (visibility.may_carry_on), every later visibility
    gets children of its own. A visibility's tests are split over the lanes (lanes.plan), graded at
    once: lane k in sandboxes[k] on processor cpus[k], lane 0 in this thread (pinned by the
    caller); the next visibility starts when every lane has ended, so that no channel between
    running children (a shared process count, the load of the processors) carries a hidden test's
    inputs to a visible test. The other lanes' Sandboxes get the preload of sandboxes[0], and its
    imports' time in their budget; every lane's child is stopped at the end (the caller closes them).

    Returns: tuple (dict test id -> graded test, dict test id -> seconds, dict visibility -> what
    its children printed, in lane order).
    """
    sandbox = sandboxes[0]
    for other in sandboxes[1:]:
        other.preload = sandbox.preload
        # The imports' time counts in every lane's budget (a lane's child booted meanwhile, at once).
        other.used_seconds = max(other.used_seconds, sandbox.used_seconds)
    ran = [None] * len(sandboxes)  # the visibility of the tests each lane's child ran last
    graded, timings, printed = {}, {}, {}

    def needs_fresh(k):
        return ran[k] is not None and not visibility.may_carry_on(ran[k])

    def start_load(k):  # what lane k does before its tests, in tests' seconds: a start, its imports, or nothing
        if needs_fresh(k) or sandboxes[k].process is None:
            return CHILD_SECONDS
        return 0.0 if sandboxes[k].preloaded else CHILD_SECONDS / 2  # booted ahead: about half of a start

    def lane(k, tests):
        if not tests:
            return ({}, {}), ""
        if needs_fresh(k):
            sandboxes[k].fresh_child()
        ran[k] = tests[0].visibility
        return _grade_tests(sandboxes[k], tests, ref, problems, checks), sandboxes[k].printed(reset=True)

    try:
        for shown in rubric.VISIBILITIES:
            plan = lane_plan([test for test in tests if test.visibility == shown], len(sandboxes),
                             [start_load(k) for k in range(len(sandboxes))])
            if not any(plan):
                continue
            for (done, took), text in run_at_once(lambda k, plan=plan: lane(k, plan[k]), len(plan), cpus):
                graded.update(done)
                timings.update(took)
                printed[shown] = printed.get(shown, "") + text
    finally:
        for each in sandboxes:  # every lane's child at once
            each.stop()
    return graded, timings, printed


def _own(cpu):
    """A Sandbox's cpus for a lane on processor cpu (None: unpinned)."""
    return None if cpu is None else [cpu]


def grade(upload, limits=Limits(), rubric_tests=None, due_passed=True, lanes=None):
    """Grade one upload.

    Inputs:
    - upload: path of a folder or .zip (see submission.py).
    - limits: Limits of the student's process.
    - rubric_tests: list of RubricTest, default the rubric file's.
    - due_passed: whether the due date has passed: if not, what the student sees (the top-level
      output, the notes in the tests' outputs) tells nothing of the tests shown after it
      (visibility.py); extra_data and report.md hold everything either way.
    - lanes: list of processor numbers (lanes.processors), one lane of tests per processor, run
      at once, each pinned to its processor (lanes.py); None: one lane, unpinned. Each lane has
      the time budget of limits, less what the imports before the lanes used.

    Returns: a tuple of (results dict, per-test seconds dict): results in Gradescope's format.
    """
    document, timings, _ = _grade(upload, limits, rubric_tests, due_passed, lanes)
    return document, timings


def _load(spec, rubric_tests):
    """What grading takes from the grader's side: tuple (rubric tests, checks, reference package)."""
    tests = rubric.load(spec) if rubric_tests is None else rubric_tests
    return tests, spec.checks(), reference.load(spec)


def _grade(upload, limits, rubric_tests, due_passed, lanes):
    """grade(), and the text of results.json: tuple (results dict, per-test seconds dict, str)."""
    start = time.monotonic()
    spawner.zygote()  # starts (if not yet running) while the upload is unpacked and the grader loads
    spec = assignment.current()
    scratch = Path(tempfile.mkdtemp(prefix=f"{spec.name}-"))
    cpus, notes, others = list(lanes) if lanes else [None], [], []
    try:
        try:
            prepared = submission.prepare(upload, scratch / "submission", spec)
        except submission.SubmissionError as error:
            prepared, notes = None, [f"the submission could not be read: {error}"]
        if prepared is None:
            # Nothing could be read: every module fails as one that does not import (not as a file
            # the student left out), with the reason said once in the notes.
            problems = {m: ModuleProblem(m, "import_error", notes[0]) for m in spec.graded}
            sandbox = Sandbox(scratch, limits, spec=spec, cpus=_own(cpus[0]))
        else:
            notes = prepared.notes
            sandbox = Sandbox(prepared.root, limits, spec=spec, cpus=_own(cpus[0]))
        others = [Sandbox(sandbox.root, limits, sandbox.level, spec, _own(cpu)) for cpu in cpus[1:]] \
            if prepared is not None else []
        anywhere = os.sched_getaffinity(0)  # this thread's processors before the first lane's pins it
        with pinned(cpus[0]), sandbox:
            if prepared is None:
                tests, checks, ref = _load(spec, rubric_tests)
            else:
                # At once: the first lane's child starts and checks the imports (in this thread, on
                # the lane's processor: a signal that ends the grading, e.g. the batch's timeout,
                # arrives while this thread runs the one long job, and every other ends before
                # the sandboxes close); a thread loads the rubric, checks and reference on whichever
                # processor is free (a new thread starts on its creator's); the other lanes'
                # children boot (no student code yet) and import first what the imports' outcome decides.
                def ahead(k):
                    if k == 0:
                        return _module_problems(sandbox, prepared, spec)
                    if k > 1:
                        return others[k - 2].boot()
                    with pinned(anywhere):
                        return _load(spec, rubric_tests)
                problems, (tests, checks, ref) = run_at_once(ahead, len(cpus) + 1, [None, None, *cpus[1:]])[:2]
            imports_printed = sandbox.printed(reset=True)
            # What a module does at import is undone after its own request, in every later child too.
            sandbox.preload = [m for m in spec.graded if m not in problems]
            # With no module to import there is no child to run: one lane.
            sandboxes = [sandbox] + (others if sandbox.preload else [])
            graded, timings, printed = _grade_in_lanes(sandboxes, tests, cpus[:len(sandboxes)], ref, problems, checks)
            printed["visible"] = imports_printed + printed.get("visible", "")
            graded = [graded[test.id] for test in tests]
    finally:
        for other in others:
            other.__exit__(None, None, None)
        shutil.rmtree(scratch, ignore_errors=True)
    _explain_dependencies(graded, due_passed)
    stopped = {key: sum(s.stopped[key] for s in sandboxes) for key in sandbox.stopped}
    student_output = clip(printed.pop("visible"), limits.output_bytes)
    extra = {"grader": results.grader_name(spec), "assignment": spec.name, "numpy": np.__version__,
             "modules": {m: problems[m].sentence if m in problems else "ok" for m in spec.graded},
             "module_problems": {m: problems[m].kind for m in spec.graded if m in problems},
             "notes": notes,
             # What the visible tests' calls printed (and the imports); the other visibilities' apart.
             "student_output": student_output,
             "student_output_later": {k: clip(v, limits.output_bytes) for k, v in printed.items() if v},
             "processes_started": sum(s.starts for s in [sandbox, *others]), "lanes": len(sandboxes),
             # As the sandbox applied it (user, namespaces, hidden paths, limits), and why children were stopped.
             "isolation": sandbox.isolation, "children_stopped": stopped,
             "student_peak_memory_mb": round(max(s.peak_memory_kb for s in sandboxes) / 1024, 1)}
    output = markdown.summary(graded, notes, problems, due_passed)
    document = results.build(graded, time.monotonic() - start, output, extra)
    leaderboard.add(document, timings, due_passed)  # the rubric's [policy.leaderboard]; off by default
    document, text = _bounded(document)
    return document, timings, text


def grade_to(upload, out_dir, limits=Limits(), due_passed=True, lanes=None):
    """Grade upload with limits and write out_dir/results.json and out_dir/report.md (atomically,
    results last); due_passed and lanes as for grade().

    Returns: the results dict.
    """
    document, _, text = _grade(upload, limits, None, due_passed, lanes)
    out_dir = Path(out_dir)
    results.write_atomic(out_dir / "report.md", markdown.report(document))
    results.write_atomic(out_dir / "results.json", text)
    return document
