"""report.html: one self-contained page per student, made from its results.json.

Everything on the page comes from the results document: scores, messages, and the records the
checks made at grading time (records.py: gradient checks, training runs, decision boundaries),
drawn by generic sections; an assignment adds its own sections through its report.py
(plugins.py). Nothing here imports checks or the reference. Charts are embedded as base64 SVG
(plots.py), so the page needs no other file and no network. Every text that may come from a
student (messages, printed output) is escaped.
The page is the student's: it shows only the tests a student sees at the time (before the due
date, the visible ones; see autograder/visibility.py), and says how many more there are.
"""
import base64
import html
from collections import OrderedDict

from .. import adjustments, visibility
from ..results import write_atomic
from . import plots, records
from .plugins import current as current_plugins

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 980px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.8em; }
table { border-collapse: collapse; width: 100%; font-size: 0.92em; }
th, td { text-align: left; padding: 0.25em 0.6em; border-bottom: 1px solid #eee; vertical-align: top; }
td.num, th.num { text-align: right; white-space: nowrap; }
.score { font-size: 1.4em; font-weight: 600; }
.passed { color: #2e7d32; } .failed { color: #c62828; } .muted { color: #777; font-size: 0.9em; }
.bar { background: #eee; width: 120px; height: 0.8em; display: inline-block; vertical-align: middle; }
.bar span { background: #2e7d32; height: 100%; display: block; }
.failure { border-left: 4px solid #c62828; padding: 0.2em 0.9em; margin: 1em 0; background: #fdf5f5; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 0.88em; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: 0.6em; overflow-x: auto; }
.note { background: #fff8e1; border-left: 4px solid #f9a825; padding: 0.4em 0.9em; }
img { max-width: 100%; height: auto; }
"""


def esc(value):
    """Text escaped for HTML."""
    return html.escape(str(value), quote=True)


def page(title, body):
    """A complete HTML document with the shared style."""
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{esc(title)}</title>\n'
            f"<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def image(draw, alt):
    """An <img> of a chart drawn by draw() (SVG text); a note instead if drawing fails.

    Why an <img> with a data: URI rather than inline <svg>: the chart stays a separate document
    (its ids and styles cannot clash with the page's) and the browser shows it as an image."""
    try:
        data = base64.b64encode(draw().encode("utf-8")).decode("ascii")
    except Exception as error:  # noqa: BLE001 - a chart that cannot be drawn must not cost the report
        return f'<p class="note">This chart could not be drawn ({esc(type(error).__name__)}: {esc(error)}).</p>'
    return f'<p><img alt="{esc(alt)}" src="data:image/svg+xml;base64,{data}"></p>'


def fmt(value):
    """A score for display: 2, 2.5, 1.3333."""
    return f"{float(value):.4g}"


def table(headers, rows, numeric=()):
    """An HTML table; cells are already HTML; numeric: indexes of right-aligned columns."""
    head = "".join(f'<th class="num">{h}</th>' if i in numeric else f"<th>{h}</th>" for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
                                    for i, c in enumerate(row)) + "</tr>\n" for row in rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>\n"


def bar(fraction):
    return f'<span class="bar"><span style="width:{max(0.0, min(1.0, fraction)) * 100:.0f}%"></span></span>'


def _status(test):
    return f'<span class="{esc(test["status"])}">{esc(test["status"])}</span>'


def _cases(test):
    return test.get("extra_data", {}).get("cases", []) or []


def _per_function(tests):
    groups = OrderedDict()
    for test in tests:
        groups.setdefault(test["tags"][0] if test.get("tags") else test["name"], []).append(test)
    rows = []
    for function, group in groups.items():
        score, total = sum(t["score"] for t in group), sum(t["max_score"] for t in group)
        passed = sum(t["status"] == "passed" for t in group)
        rows.append([f"<code>{esc(function)}</code>", f"{passed} / {len(group)}", f"{fmt(score)} / {fmt(total)}",
                     bar(score / total if total else 1.0)])
    return table(["Function", "Tests passed", "Points", ""], rows, numeric=(1, 2))


def _failures(tests):
    failed = [t for t in tests if t["status"] != "passed"]
    if not failed:
        return '<p class="passed">Every test passed.</p>'
    parts = []
    for test in failed:
        extra = test.get("extra_data", {})
        diagnosis = extra.get("diagnosis")
        lines = [f'<div class="failure"><h3>{esc(test["name"])} <span class="muted">'
                 f'{fmt(test["score"])} / {fmt(test["max_score"])}'
                 + (f" · diagnosis <code>{esc(diagnosis)}</code>" if diagnosis else "") + "</span></h3>"]
        if extra.get("depends_on_failed"):
            lines.append(f'<p class="note">This may follow from other failing functions: '
                         f'{esc(", ".join(extra["depends_on_failed"]))}.</p>')
        cases = [c for c in _cases(test) if not c.get("passed")]
        if cases:
            lines.append("<ul>")
            for case in cases:
                code = f' <span class="muted">(<code>{esc(case["diagnosis"])}</code>)</span>' \
                    if case.get("diagnosis") else ""
                lines.append(f"<li><b>{esc(case['name'])}</b>{code}<pre>{esc(case.get('message', ''))}</pre></li>")
            lines.append("</ul>")
        else:
            lines.append(f"<pre>{esc(test.get('output', ''))}</pre>")
        lines.append("</div>")
        parts.append("\n".join(lines))
    return "\n".join(parts)


def gradient_rows(tests):
    """One row per gradient compared (records.GradientCheck of each test): label, relative error,
    tolerance and whether it passed."""
    return [{"label": f"{record.function}: {record.where}", "error": record.error, "tolerance": record.tolerance,
             "passed": record.passed}
            for test in tests for record in records.of_test(test, records.GradientCheck.kind)]


def _gradients(tests):
    rows = gradient_rows(tests)
    if not rows:
        return '<p class="muted">No gradient could be compared: the functions did not return one.</p>'
    failing = sum(not row["passed"] for row in rows)
    intro = (f"<p>Largest relative error of each analytic gradient against the reference's "
             f"({len(rows)} compared, {failing} over tolerance). Relative errors around 1e-7 or less mean the "
             "gradient is right.</p>")
    return intro + image(lambda: plots.gradient_errors(rows), "relative errors of the gradient checks")


def boundary_panel(record):
    """A records.DecisionBoundary as the panel plots.decision_boundaries draws."""
    xx, yy = record.grid()
    return {"title": record.title, "X": record.points, "y": record.labels, "xx": xx, "yy": yy,
            "student": record.student, "reference": record.reference, "accuracy": record.accuracy,
            "reference_accuracy": record.reference_accuracy}


def _thresholds(found):
    """How the runs pass, in words: "a run passes at 95% training accuracy" (or each run's own)."""
    needed = sorted({run.threshold for run in found})
    if len(needed) == 1:
        return f"a run passes at {needed[0]:.0%} training accuracy"
    return "each run passes at its own training accuracy (" + ", ".join(
        f"{esc(run.title)}: {run.threshold:.0%}" for run in found) + ")"


def _training(document):
    found = [run for _, run in records.of_document(document, records.TrainingRun.kind)]
    boundaries = [b for _, b in records.of_document(document, records.DecisionBoundary.kind)]
    if not found and not boundaries:
        return '<p class="muted">No training run finished: see the failures above.</p>'
    parts = []
    if found:
        panels = [{"title": run.title, "loss": run.loss, "reference_loss": run.reference_loss,
                   "failed": not run.passed} for run in found]
        rows = [[esc(run.data), esc(run.seed), _accuracy(run.accuracy), _accuracy(run.reference_accuracy)]
                for run in found]
        parts += [f"<p>Your training beside the reference's on the same data and seed; {_thresholds(found)}.</p>",
                  image(lambda: plots.loss_curves(panels), "loss curves of the training runs"),
                  table(["Data", "Seed", "Your accuracy", "Reference"], rows, numeric=(1, 2, 3))]
    if boundaries:
        parts += ["<h3>Decision boundaries</h3>",
                  "<p>The regions your trained network assigns to each class, beside the reference's "
                  "(computed at grading time with the reference forward pass and your parameters).</p>",
                  image(lambda: plots.decision_boundaries([boundary_panel(b) for b in boundaries]),
                        "decision boundaries of your network and the reference's")]
    return "\n".join(parts)


def _plugin_sections(document, plugins):
    """The assignment's own sections (plugins.py): list of HTML parts; a failing one leaves a note."""
    parts = []
    for section in plugins.sections:
        try:
            drawn = section(document)
        except Exception as error:  # noqa: BLE001 - an assignment's section must not cost the report
            parts.append(f'<p class="note">A section of this report could not be drawn '
                         f"({esc(type(error).__name__)}: {esc(error)}).</p>")
            continue
        if drawn:
            heading, fragment = drawn
            parts += [f"<h2>{esc(heading)}</h2>", fragment]
    return parts


def _accuracy(value):
    number = plots.finite(value)
    return f"{number:.1%}" if number is not None else "–"


def _header(document, student, title):
    tests = document["tests"]
    total = sum(t["max_score"] for t in tests)
    passed = sum(t["status"] == "passed" for t in tests)
    extra = document.get("extra_data", {})
    later = extra.get("withheld")
    parts = [f"<h1>{esc(title)}: {esc(student)}</h1>",
             f'<p class="score">{"Visible tests: " if later else ""}{fmt(document["score"])} / {fmt(total)}</p>',
             f"<p>{passed} of {len(tests)} {'visible ' if later else ''}tests passed"
             + (f"; {esc(later)}" if later else "")
             + f". Graded in {document.get('execution_time', 0):.2f} s.</p>"]
    late = extra.get("submission", {}) if isinstance(extra.get("submission"), dict) else {}
    if late.get("late"):
        parts.append(f'<p class="note">Late submission: {esc(late.get("message", ""))}</p>')
    notes = list(extra.get("notes", []) or [])
    notes += [sentence for sentence in (extra.get("modules") or {}).values() if sentence != "ok"]
    if notes:
        parts.append('<div class="note"><p>About the upload:</p><ul>'
                     + "".join(f"<li>{esc(n)}</li>" for n in dict.fromkeys(notes)) + "</ul></div>")
    return "\n".join(parts)


def student_report(document, student, due_passed=True, plugins=None):
    """The whole report.html of one results document, as text: only the tests a student sees
    (visibility.student_view: before the due date, the visible ones; never the hidden ones);
    plugins: the assignment's (plugins.load), its title and its own sections; default
    plugins.current(), the assignment being graded."""
    plugins = current_plugins() if plugins is None else plugins
    document = visibility.student_view(document, due_passed)
    tests = document["tests"]
    all_rows = [[esc(t["name"]), f"{fmt(t['score'])} / {fmt(t['max_score'])}", _status(t),
                 f'<span class="muted">{esc(t.get("visibility", ""))}</span>'] for t in tests]
    printed = document.get("extra_data", {}).get("student_output")
    body = [_header(document, student, plugins.title), adjustments.html_section(document),
            "<h2>Score per function</h2>", _per_function(tests),
            "<h2>What to fix</h2>", _failures(tests),
            "<h2>Gradient checks</h2>", _gradients(tests),
            "<h2>Training runs</h2>", _training(document),
            *_plugin_sections(document, plugins),
            "<h2>All tests</h2>", table(["Test", "Score", "Status", "Visibility"], all_rows, numeric=(1,))]
    if printed:
        body += ["<h2>What your code printed</h2>", f"<pre>{esc(printed)}</pre>"]
    return page(f"{plugins.title} report: {student}", "\n".join(body))


def write_report(document, student, path, due_passed=True, plugins=None):
    """Write report.html (atomically); due_passed and plugins as for student_report. A report that
    cannot be built still gets a page saying so (with no score: it could tell of tests not yet shown)."""
    plugins = current_plugins() if plugins is None else plugins
    try:
        text = student_report(document, student, due_passed, plugins)
    except Exception as error:  # noqa: BLE001 - the score stands even if its page cannot be drawn
        text = page(f"{plugins.title} report: {student}",
                    f"<h1>{esc(plugins.title)}: {esc(student)}</h1>"
                    f"<p class='note'>The detailed report could not be built ({esc(type(error).__name__)}: "
                    f"{esc(error)}); results.json holds every test.</p>")
    write_atomic(path, text)
