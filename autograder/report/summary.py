"""summary.html: the class at a glance, from the gradebook's records.

Score histogram, pass rate of every test, the diagnosis codes found across students, the
slowest submissions, and a table of every student linking to their report.html.
"""
import statistics
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from ..results import write_atomic
from . import plots
from .gradebook import number, test_columns
from .html import esc, fmt, image, page, table
from .plugins import current as current_plugins

SUMMARY = "summary.html"
SLOWEST = 10


def _pass_rates(graded):
    """(test names, rates, mean scores) in rubric order over graded records."""
    order, names, passed, scores = test_columns(graded), {}, Counter(), {}
    for record in graded:
        for test in record.results["tests"]:
            test_id = test["extra_data"]["id"]
            names[test_id] = test["name"]
            passed[test_id] += test["status"] == "passed"
            scores.setdefault(test_id, []).append(test["score"])
    ids = list(order)
    return ([names[i] for i in ids], [passed[i] / len(graded) for i in ids],
            [(statistics.fmean(scores[i]), order[i]) for i in ids])


def _diagnoses(graded):
    """Counter of diagnosis code -> tests failed with it, and code -> set of students."""
    tests, students = Counter(), {}
    for record in graded:
        for test in record.results["tests"]:
            code = test.get("extra_data", {}).get("diagnosis")
            if test["status"] != "passed" and code:
                tests[code] += 1
                students.setdefault(code, set()).add(record.student)
    return tests, students


def summary_page(records, sections=(), plugins=None):
    """summary.html as text (sections: HTML of extra sections, put before the students' table;
    plugins: the assignment's, plugins.load, for its title; default plugins.current())."""
    plugins = current_plugins() if plugins is None else plugins
    graded = [r for r in records if r.results is not None]
    totals = [r.score for r in graded]
    maximum = max((sum(t["max_score"] for t in r.results["tests"]) for r in graded), default=100.0)
    statuses = Counter(r.status for r in records)
    body = [f"<h1>{esc(plugins.title)}: class summary</h1>",
            f"<p>{len(records)} submissions: " + ", ".join(f"{n} {esc(s)}" for s, n in sorted(statuses.items()))
            + ".</p>"]
    if totals:
        body.append(f"<p>Mean {statistics.fmean(totals):.1f}, median {statistics.median(totals):.4g}, "
                    f"lowest {min(totals):.4g}, highest {max(totals):.4g} (out of {fmt(maximum)}).</p>")
        body += ["<h2>Scores</h2>", image(lambda: plots.score_histogram(totals, maximum), "histogram of total scores")]
        names, rates, means = _pass_rates(graded)
        body += ["<h2>Pass rate of every test</h2>",
                 image(lambda: plots.pass_rates(names, rates), "pass rate per test"),
                 table(["Test", "Passed", "Mean points"],
                       [[esc(n), f"{r:.0%}", f"{m:.3g} / {fmt(mx)}"] for n, r, (m, mx) in zip(names, rates, means)],
                       numeric=(1, 2))]
        tests, students = _diagnoses(graded)
        body.append("<h2>Diagnoses</h2>")
        if tests:
            body.append("<p>What the grader recognised in failed tests, across the class.</p>")
            body.append(table(["Diagnosis", "Failed tests", "Students"],
                              [[f"<code>{esc(c)}</code>", str(n), str(len(students[c]))]
                               for c, n in tests.most_common()],
                              numeric=(1, 2)))
        else:
            body.append('<p class="muted">No failed test.</p>')
    timed = sorted((r for r in records if r.seconds is not None), key=lambda r: (-r.seconds, r.student))[:SLOWEST]
    if timed:
        body += ["<h2>Slowest submissions</h2>",
                 table(["Student", "Seconds", "Status"],
                       [[esc(r.student), f"{r.seconds:.2f}", esc(r.status)] for r in timed], numeric=(1,))]
    body += [s for s in sections if s]
    body.append("<h2>Students</h2>")
    rows = []
    for record in records:
        name = esc(record.student)
        link = f'<a href="{esc(quote(record.student))}/report.html">{name}</a>' if record.results else name
        rows.append([link, number(record.score) or "–", esc(record.status), esc(record.message)])
    body.append(table(["Student", "Total", "Status", "Note"], rows, numeric=(1,)))
    return page(f"{plugins.title}: class summary", "\n".join(body))


def write(path, records, plugins=None):
    """Write summary.html for records (atomically); plugins as for summary_page."""
    from ..similarity.section import section  # the class's similarity.json beside it, if any
    write_atomic(path, summary_page(records, [section(Path(path).parent)], plugins))
