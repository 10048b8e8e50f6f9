"""report.md (for the staff), and the summary shown above the tests on Gradescope, from graded tests.

Student text (messages, printed output) is escaped or fenced (escape.py): it never becomes markup."""
from .. import visibility
from ..problems import ModuleProblem
from .escape import block, inline


def summary(graded, notes, problems, due_passed=None):
    """Short Markdown for results.json's top-level output (the student's) or report.md (the staff's).

    Inputs:
    - graded: list of test dicts (results.json tests).
    - notes: list of str about the upload.
    - problems: dict module -> problems.ModuleProblem for modules missing or not importing.
    - due_passed: for the student, whether the due date has passed: only the tests shown then are
      counted, and the others only by number ("19 more tests are shown after the due date");
      None (the staff): every test.
    """
    counted = graded if due_passed is None else [t for t in graded if visibility.shown(t["visibility"], due_passed)]
    score = sum(t["score"] for t in counted)
    total = sum(t["max_score"] for t in counted)
    passed = sum(t["status"] == "passed" for t in counted)
    later = "" if due_passed is None else visibility.withheld(graded, due_passed)
    if later:
        lines = [f"**Visible tests: {score:g} / {total:g}**: {passed} of {len(counted)} passed; {later}."]
    else:
        lines = [f"**Score: {score:g} / {total:g}**: {passed} of {len(counted)} tests passed."]
    # Missing files are already among the notes; import failures are not. An unreadable upload
    # gives every module the same sentence: each is said once.
    said = dict.fromkeys(list(notes) + [p.sentence for p in problems.values() if p.kind != "missing"])
    if said:
        lines.append("")
        lines += [f"- {inline(sentence)}" for sentence in said]
    return "\n".join(lines)


def report(results):
    """The whole report as Markdown, for the staff: score, a table of every test (hidden ones too),
    then every failure in full."""
    extra = results["extra_data"]
    kinds = extra.get("module_problems", {})
    problems = {module: ModuleProblem(module, kinds.get(module, "import_error"), sentence)
                for module, sentence in extra.get("modules", {}).items() if sentence != "ok"}
    lines = ["# Grading report", "", summary(results["tests"], extra.get("notes", []), problems), "",
             "| Test | Score | Status | Visibility |", "|---|---:|---|---|"]
    for test in results["tests"]:
        lines.append(f"| {test['name']} | {test['score']:g} / {test['max_score']:g} | {test['status']} "
                     f"| {test['visibility']} |")
    failures = [t for t in results["tests"] if t["status"] == "failed"]
    if failures:
        lines += ["", "## Failures", ""]
        for test in failures:
            diagnosis = test["extra_data"].get("diagnosis")
            lines += [f"### {test['name']}" + (f" (diagnosis: `{diagnosis}`)" if diagnosis else ""), "",
                      *block(test["output"]), ""]
    printed = {"visible": extra.get("student_output", ""), **extra.get("student_output_later", {})}
    for when, text in printed.items():
        if text:
            lines += [f"## What your code printed ({when} tests)", "", *block(text), ""]
    lines.append(f"Graded in {results['execution_time']:.2f} s.")
    return "\n".join(lines) + "\n"
