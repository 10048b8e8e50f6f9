"""report.html: one self-contained page per student, made from its results.json.

Everything on the page comes from the results document (scores, messages, measured figures)
or is recomputed in this trusted process from the reference (the data and the reference's
runs, see runs.py); charts are embedded as base64 SVG (plots.py), so the page needs no other
file and no network. Every text that may come from a student (messages, printed output) is escaped.
The page is the student's: it shows only the tests a student sees at the time (before the due
date, the visible ones; see autograder/visibility.py), and says how many more there are.
"""
import base64
import html
from collections import OrderedDict

from .. import assignment, visibility
from ..checks.common import GRAD_TOL
from ..results import write_atomic
from . import plots, runs

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


def _checks_gradients(test):
    """Whether a test compares analytic gradients (by its name and rubric id; the numerical
    gradient, gradient descent and autodiff tests measure other things)."""
    test_id = str(test.get("extra_data", {}).get("id", ""))
    if test_id.startswith(("numerical_gradient", "gradient")):
        return False
    return "gradient" in test["name"].lower() or test_id.endswith("regularization")


def gradient_rows(tests):
    """One row per gradient compared: label, relative error, tolerance and whether it passed.

    Test-level figures["rel_error"] hold the errors of gradients that matched the reference
    (keyed by parameter name, or by case index for losses); a failed case carries its own
    rel_error and tolerance.
    """
    rows = []
    for test in tests:
        figures = test.get("extra_data", {}).get("figures", {}) or {}
        measured = figures.get("rel_error") if isinstance(figures.get("rel_error"), dict) else {}
        cases = _cases(test)
        if not measured and not _checks_gradients(test):
            continue
        for key, error in measured.items():
            where = cases[int(key)]["name"] if key.isdigit() and int(key) < len(cases) else key
            rows.append({"label": f"{test['name'].split(':')[0]}: {where}", "error": error, "tolerance": GRAD_TOL,
                         "passed": plots.finite(error, 1.0) <= GRAD_TOL})
        for case in cases:
            case_figures = case.get("figures") or {}
            if not case.get("passed") and "rel_error" in case_figures:
                rows.append({"label": f"{test['name'].split(':')[0]}: {case['name']}",
                             "error": case_figures["rel_error"],
                             "tolerance": plots.finite(case_figures.get("tolerance"), GRAD_TOL), "passed": False})
    return rows


def _gradients(tests):
    rows = gradient_rows(tests)
    if not rows:
        return '<p class="muted">No gradient could be compared: the functions did not return one.</p>'
    failing = sum(not row["passed"] for row in rows)
    intro = (f"<p>Relative error of each gradient against the reference and the grader's centered differences "
             f"({len(rows)} compared, {failing} over tolerance). Relative errors around 1e-7 or less mean the "
             "analytic gradient is right.</p>")
    return intro + image(lambda: plots.gradient_errors(rows), "relative errors of the gradient checks")


def _training(document):
    found = runs.all_runs(document)
    if not found:
        return '<p class="muted">No training run finished: see the failures above.</p>'
    panels = [{"title": f"{run['data']}, seed {run['seed']}", "loss": run.get("loss"),
               "reference_loss": run.get("reference_loss") or [],
               "failed": (plots.finite(run.get("accuracy"), 0.0)) < runs.convergence.THRESHOLD} for _, run in found]
    rows = [[esc(run["data"]), esc(run["seed"]), _accuracy(run.get("accuracy")),
             _accuracy(run.get("reference_accuracy"))] for _, run in found]
    parts = [f"<p>Your <code>train</code> beside the reference's on the same data and seed; "
             f"a run passes at {runs.convergence.THRESHOLD:.0%} training accuracy.</p>",
             image(lambda: plots.loss_curves(panels), "loss curves of the training runs"),
             table(["Data", "Seed", "Your accuracy", "Reference"], rows, numeric=(1, 2, 3))]
    hard = runs.hard_case_runs(document)
    if hard:
        parts += ["<h3>Decision boundaries on the hard cases</h3>",
                  "<p>The regions your trained network assigns to each class, beside the reference's "
                  "(drawn with the reference forward pass and your parameters).</p>",
                  image(lambda: plots.decision_boundaries([runs.boundary(run) for run in hard]),
                        "decision boundaries of your network and the reference's")]
    return "\n".join(parts)


def _accuracy(value):
    number = plots.finite(value)
    return f"{number:.1%}" if number is not None else "–"


def _header(document, student):
    tests = document["tests"]
    total = sum(t["max_score"] for t in tests)
    passed = sum(t["status"] == "passed" for t in tests)
    extra = document.get("extra_data", {})
    later = extra.get("withheld")
    parts = [f"<h1>{esc(assignment.current().name)}: {esc(student)}</h1>",
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


def student_report(document, student, due_passed=True):
    """The whole report.html of one results document, as text: only the tests a student sees
    (visibility.student_view: before the due date, the visible ones; never the hidden ones)."""
    document = visibility.student_view(document, due_passed)
    tests = document["tests"]
    all_rows = [[esc(t["name"]), f"{fmt(t['score'])} / {fmt(t['max_score'])}", _status(t),
                 f'<span class="muted">{esc(t.get("visibility", ""))}</span>'] for t in tests]
    printed = document.get("extra_data", {}).get("student_output")
    body = [_header(document, student),
            "<h2>Score per function</h2>", _per_function(tests),
            "<h2>What to fix</h2>", _failures(tests),
            "<h2>Gradient checks</h2>", _gradients(tests),
            "<h2>Training runs</h2>", _training(document),
            "<h2>All tests</h2>", table(["Test", "Score", "Status", "Visibility"], all_rows, numeric=(1,))]
    if printed:
        body += ["<h2>What your code printed</h2>", f"<pre>{esc(printed)}</pre>"]
    return page(f"{assignment.current().name} report: {student}", "\n".join(body))


def write_report(document, student, path, due_passed=True):
    """Write report.html (atomically); due_passed as for student_report. A report that cannot be
    built still gets a page saying so (with no score: it could tell of tests not yet shown)."""
    try:
        text = student_report(document, student, due_passed)
    except Exception as error:  # noqa: BLE001 - the score stands even if its page cannot be drawn
        text = page(f"{assignment.current().name} report: {student}",
                    f"<h1>{esc(assignment.current().name)}: {esc(student)}</h1>"
                    f"<p class='note'>The detailed report could not be built ({esc(type(error).__name__)}: "
                    f"{esc(error)}); results.json holds every test.</p>")
    write_atomic(path, text)
