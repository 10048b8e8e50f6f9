"""report.html and summary.html: content, escaping, plots, and a real browser rendering them."""
import base64
import copy
import hashlib
import json
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest

from autograder import grade
from autograder.report import gradebook, html, plots, plugins, records, summary
from mutate import ROOT, part

EXAMPLES = ROOT / "examples" / "submissions"
GRADLAB = plugins.load(ROOT / "assignments" / "gradlab")
IMAGE = re.compile(r'<img alt="([^"]*)" src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)">')
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def documents():
    """results documents of three examples, graded once."""
    return {name: grade.grade(EXAMPLES / path)[0]
            for name, path in (("complete", "complete"), ("mistakes", "backprop_mistakes.zip"), ("empty", "empty"))}


def png_size(raw):
    """(width, height) of PNG bytes; fails if they are not a PNG."""
    assert raw[:8] == b"\x89PNG\r\n\x1a\n" and raw[12:16] == b"IHDR"
    return struct.unpack(">II", raw[16:24])


def svg(text):
    """The root element of an SVG document; fails if it is not well-formed SVG with a size and a title."""
    root = ElementTree.fromstring(text)
    assert root.tag == SVG + "svg" and float(root.get("width")) > 0 and float(root.get("height")) > 0
    assert root.find(SVG + "title").text
    return root


def svg_size(data):
    """(width, height) of base64 SVG text."""
    root = svg(base64.b64decode(data, validate=True).decode("utf-8"))
    return float(root.get("width")), float(root.get("height"))


def boundaries(document):
    """The decision-boundary records of a results document, in test order."""
    return [record for _, record in records.of_document(document, records.DecisionBoundary.kind)]


def test_report_shows_scores_failures_and_three_plots(documents):
    page = html.student_report(documents["mistakes"], "ben", plugins=GRADLAB)
    assert "<h1>gradlab: ben</h1>" in page and f"{documents['mistakes']['score']:.4g} / 100" in page
    for test in documents["mistakes"]["tests"]:
        assert f"<code>{test['tags'][0]}</code>" in page  # score per function
    for test in (t for t in documents["mistakes"]["tests"] if t["status"] == "failed"):
        assert html.esc(test["name"]) in page
        for case in (c for c in test["extra_data"]["cases"] if not c["passed"]):
            assert html.esc(case["message"]) in page
    images = IMAGE.findall(page)
    assert [alt for alt, _ in images] == ["relative errors of the gradient checks", "loss curves of the training runs",
                                          html.esc("decision boundaries of your network and the reference's")]
    assert all(min(svg_size(data)) > 100 for _, data in images)


def test_gradient_chart_has_a_row_per_compared_gradient(documents):
    rows = html.gradient_rows(documents["mistakes"]["tests"])
    failing = {row["label"].split(":")[0] for row in rows if not row["passed"]}
    assert {"softmax_loss", "sigmoid_backward", "MLP.loss"} <= failing
    assert all(row["passed"] for row in rows if row["label"].startswith("affine_backward"))
    assert all(row["passed"] for row in html.gradient_rows(documents["complete"]["tests"]))
    assert html.gradient_rows(documents["empty"]["tests"]) == []


def test_boundaries_are_computed_at_grading_time_from_the_runs_parameters(documents):
    complete, mistakes = boundaries(documents["complete"]), boundaries(documents["mistakes"])
    convergence = part("checks.convergence")
    assert [(r.data, r.seed) for r in complete] == [(name, seed) for name in convergence.BOUNDARY_CASES
                                                    for seed in convergence.SEEDS]
    for record in complete:  # the complete submission trains exactly like the reference
        assert record.student.shape == (record.size, record.size) == record.grid()[0].shape
        assert np.array_equal(record.student, record.reference)
    assert any(not np.array_equal(r.student, r.reference) for r in mistakes)


def test_a_submission_without_runs_or_gradients_still_gets_a_report(documents):
    page = html.student_report(documents["empty"], "emma")
    assert "No training run finished" in page and "No gradient could be compared" in page
    assert IMAGE.findall(page) == []
    assert "Every test passed." in html.student_report(documents["complete"], "ada")


def test_student_controlled_text_is_escaped(documents):
    document = copy.deepcopy(documents["mistakes"])
    failed = next(t for t in document["tests"] if t["status"] == "failed")
    failed["extra_data"]["cases"][0].update(passed=False, message="<script>alert(1)</script>")
    document["extra_data"]["student_output"] = '<img src=x onerror="alert(2)">'
    page = html.student_report(document, "<b>mallory</b>")
    assert "<script>" not in page and "<img src=x" not in page and "<b>mallory" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;mallory&lt;/b&gt;" in page


def test_a_chart_or_page_that_cannot_be_drawn_leaves_a_note(documents, tmp_path):
    def broken():
        raise ValueError("no data")
    assert "could not be drawn (ValueError: no data)" in html.image(broken, "x")
    document = copy.deepcopy(documents["complete"])
    document["tests"] = [{"name": "malformed"}]
    html.write_report(document, "x", tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text()
    assert "The detailed report could not be built" in page and "results.json holds every test" in page


# Imports a report must never need: the check API, the assignment's checks (its folder is imported as a
# package named _assignment_<name>_<hash>), the reference (and its cache), student code, matplotlib.
BLOCKED = ("autograder.checks", "autograder.reference", "autograder.reference_cache", "gradlab", "gradlab_reference",
           "matplotlib")
ASSIGNMENT_PACKAGES = "_assignment_"
BLOCK = ("import sys\n"
         "class Block:\n"
         "    def find_spec(self, name, path=None, target=None):\n"
         f"        if any(name == b or name.startswith(b + '.') for b in {BLOCKED!r}) \\\n"
         f"                or name.startswith({ASSIGNMENT_PACKAGES!r}):\n"
         "            raise ImportError('blocked: ' + name)\n"
         "sys.meta_path.insert(0, Block())\n")


def test_a_report_is_built_from_results_json_alone_and_is_reproducible(documents, tmp_path):
    """In a fresh process where checks, reference and student code cannot be imported, report.html
    is built from results.json and the assignment's plugins, with every section, byte for byte as here."""
    (tmp_path / "results.json").write_text(json.dumps(documents["mistakes"]))
    code = (BLOCK + "import hashlib, json; from autograder.report import html, plugins; "
            f"page = html.student_report(json.load(open({str(tmp_path / 'results.json')!r})), 'x', "
            f"plugins=plugins.load({str(ROOT / 'assignments' / 'gradlab')!r})); "
            f"print(sorted(m for m in sys.modules if any(m == b or m.startswith(b + '.') for b in {BLOCKED!r}) "
            f"or m.startswith({ASSIGNMENT_PACKAGES!r}))); "
            "print(hashlib.sha256(page.encode()).hexdigest()); print(page)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    modules, digest, page = done.stdout.split("\n", 2)
    assert modules == "[]"
    for heading in ("Score per function", "What to fix", "Gradient checks", "Training runs", "Decision boundaries",
                    "Minibatch sampling", "All tests"):
        assert f"{heading}</h" in page
    assert len(IMAGE.findall(page)) == 3 and "could not be drawn" not in page
    # Another interpreter (another hash seed) draws the same bytes as this one.
    page = html.student_report(json.loads((tmp_path / "results.json").read_text()), "x", plugins=GRADLAB)
    assert digest == hashlib.sha256(page.encode()).hexdigest()


@pytest.mark.parametrize("code, blocked", [
    ("import autograder.checks.framework", "autograder.checks"),
    ("from autograder import assignment; assignment.current().import_part('checks.convergence')", "_assignment_"),
])
def test_the_blocker_blocks(code, blocked):
    """The check above can fail: importing the check API or the assignment's checks under the blocker fails."""
    done = subprocess.run([sys.executable, "-c", BLOCK + code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and f"blocked: {blocked}" in done.stderr


def test_boundary_chart_holds_a_region_image_per_network_and_every_data_point(documents):
    panels = [html.boundary_panel(record) for record in boundaries(documents["mistakes"])[:2]]
    panels[1] = dict(panels[1], student=None)  # parameters that could not be used
    root = svg(plots.decision_boundaries(panels))
    images = [image.get("href") for image in root.iter(SVG + "image")]
    assert len(images) == 3  # yours and the reference's for the first run, the reference's only for the second
    for href in images:
        assert href.startswith("data:image/png;base64,")
        assert png_size(base64.b64decode(href.split(",", 1)[1], validate=True)) == (panels[0]["xx"].shape[::-1])
    text = " ".join("".join(node.itertext()) for node in root.iter(SVG + "text"))
    assert "no usable parameters" in text and "reference: 100%" in text
    dots = [path.get("d") for group in root.iter(SVG + "g") for path in group.iter(SVG + "path")]
    assert [d.count("h0") for d in dots[:3]] == [len(panels[0]["y"]), (panels[0]["y"] == 0).sum(),
                                                (panels[0]["y"] == 1).sum()]
    assert len(list(root.iter(SVG + "use"))) == 4


def test_chart_text_is_escaped_and_non_finite_values_are_drawn_or_said():
    rows = [{"label": "<b>a & b</b>", "error": "nan", "tolerance": 1e-7, "passed": False},
            {"label": "exact", "error": 0.0, "tolerance": 1e-7, "passed": True}]
    root = svg(plots.gradient_errors(rows))
    tips = [title.text for title in root.iter(SVG + "title")]
    assert "<b>a & b</b>: relative error not a finite number, over tolerance 1e-07" in tips
    assert "exact: relative error 0 (exact), within tolerance 1e-07" in tips
    panels = [{"title": "diverged", "loss": [0.7, "inf", 1e30, "nan", 0.1], "reference_loss": [0.7, 0.3, 0.1],
               "failed": True},
              {"title": "nothing", "loss": ["nan", "nan"], "reference_loss": [0.7, 0.3], "failed": True},
              {"title": "negative", "loss": [1.0, -2.0], "reference_loss": [0.7, 0.3], "failed": False}]
    root = svg(plots.loss_curves(panels))
    text = [("".join(node.itertext())) for node in root.iter(SVG + "text")]
    assert text.count("no finite loss curve returned") == 1 and "1e30" in text and "-2" in text
    curves = [path.get("d") for path in root.iter(SVG + "path")]
    assert sum(d.count("M") for d in curves) == 1 + 3 + 1 + 1 + 1  # inf and nan break the diverged curve in 3
    assert "nan" not in " ".join(curves)


def test_axis_ticks_are_round_numbers():
    assert plots.nice_ticks(0, 999, 5, integer=True) == ([0, 200, 400, 600, 800, 1000], 0, 1000)
    assert plots.nice_ticks(0.013, 0.69, 4) == ([0.0, 0.2, 0.4, 0.6, 0.8], 0.0, 0.8)
    assert plots.nice_ticks(0, 3, 5, integer=True)[0] == [0, 1, 2, 3]
    exponents, labelled, low, high = plots.decade_ticks(3e-3, 0.7)
    assert exponents == [-3, -2, -1, 0] and labelled == {-3, -2, -1, 0} and (low, high) == (1e-3, 1.0)
    exponents, labelled, _, _ = plots.decade_ticks(1e-17, 10, most=10)
    assert len(exponents) == 19 and len(labelled) <= 10 and 1 in labelled


def test_summary_has_histogram_pass_rates_diagnoses_and_links(documents, tmp_path):
    records = [gradebook.Record(name, "graded", "", seconds, document)
               for (name, document), seconds in zip(sorted(documents.items()), (1.5, 0.5, 2.5))]
    records.append(gradebook.Record("zed", "timeout", "grading took longer than 600 s", 600.0, None))
    page = summary.summary_page(records)
    assert [alt for alt, _ in IMAGE.findall(page)] == ["histogram of total scores", "pass rate per test"]
    assert '<a href="complete/report.html">complete</a>' in page and ">zed</td>" in page
    codes = {t["extra_data"]["diagnosis"] for d in documents.values() for t in d["tests"]
             if t["status"] == "failed" and t["extra_data"]["diagnosis"]}
    assert codes and all(f"<code>{html.esc(code)}</code>" in page for code in codes)
    slowest = page.split("<h2>Slowest submissions</h2>")[1].split("</table>")[0]
    assert [m for m in re.findall(r"<td>(\w+)</td>", slowest) if m in ("zed", "mistakes", "complete", "empty")] == \
        ["zed", "mistakes", "complete", "empty"]


# -- a real browser -------------------------------------------------------------------------------
# On load, count the images the browser could read (a broken one has naturalWidth 0).
CHECK_IMAGES = ('<script>window.addEventListener("load", () => { const all = Array.from(document.images); '
                'document.body.setAttribute("data-images", all.length + "/" + '
                'all.filter(image => image.complete && image.naturalWidth > 0).length); });</script>')


def rendered_images(page, tmp_path):
    """'total/decoded' images of an HTML page after Chromium loaded it."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed and `make browser` could not install it (not root, "
                    "or no network): the browser test needs it")
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "page.html"
    path.write_text(page.replace("</body>", CHECK_IMAGES + "</body>"))
    done = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000", "--dump-dom",
                           path.as_uri()], capture_output=True, text=True, timeout=120)
    found = re.search(r'data-images="(\d+)/(\d+)"', done.stdout)
    assert found, done.stderr[-2000:]
    return int(found.group(1)), int(found.group(2))


def test_chromium_renders_every_image_of_a_report_and_the_summary(documents, tmp_path):
    report = html.student_report(documents["mistakes"], "ben", plugins=GRADLAB)
    assert rendered_images(report, tmp_path / "a") == (3, 3)
    records = [gradebook.Record(n, "graded", "", 1.0, d) for n, d in sorted(documents.items())]
    assert rendered_images(summary.summary_page(records), tmp_path / "b") == (2, 2)
    # The check itself can fail: an image whose data is not a PNG is seen as not rendered.
    _, data = IMAGE.findall(report)[1]
    assert rendered_images(report.replace(data, "QUJD" + data[4:]), tmp_path / "c") == (3, 2)
