"""report.md, and the summary shown above the tests on Gradescope, from graded tests."""


def summary(graded, notes, problems):
    """Short Markdown for results.json's top-level output.

    Inputs:
    - graded: list of test dicts (results.json tests).
    - notes: list of str about the upload.
    - problems: dict module -> sentence for modules missing or not importing.
    """
    score = sum(t["score"] for t in graded)
    total = sum(t["max_score"] for t in graded)
    passed = sum(t["status"] == "passed" for t in graded)
    lines = [f"**Score: {score:g} / {total:g}**: {passed} of {len(graded)} tests passed."]
    if notes or problems:
        lines.append("")
        lines += [f"- {note}" for note in notes]
        # Missing files are already among the notes; import failures are not.
        lines += [f"- {sentence}" for sentence in problems.values() if "is missing from" not in sentence]
    return "\n".join(lines)


def report(results):
    """The whole report as Markdown: score, a table of tests, then every failure in full."""
    lines = ["# Grading report", "", results["output"], "", "| Test | Score | Status |", "|---|---:|---|"]
    for test in results["tests"]:
        lines.append(f"| {test['name']} | {test['score']:g} / {test['max_score']:g} | {test['status']} |")
    failures = [t for t in results["tests"] if t["status"] == "failed"]
    if failures:
        lines += ["", "## Failures", ""]
        for test in failures:
            diagnosis = test["extra_data"].get("diagnosis")
            lines += [f"### {test['name']}" + (f" (diagnosis: `{diagnosis}`)" if diagnosis else ""), "", "```",
                      test["output"], "```", ""]
    printed = results["extra_data"].get("student_output")
    if printed:
        lines += ["## What your code printed", "", "```", printed, "```", ""]
    lines.append(f"Graded in {results['execution_time']:.2f} s.")
    return "\n".join(lines) + "\n"
