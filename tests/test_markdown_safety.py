"""Student text is data, never markup, in every Markdown the grader writes (results.json's
top-level output, report.md), rendered with a real CommonMark renderer (markdown-it-py, raw HTML
allowed, as a permissive viewer would); tests' outputs are declared plain text."""
import re

import pytest
from markdown_it import MarkdownIt

from autograder import grade
from autograder.report import markdown
from autograder.report.escape import block, inline
from mutate import copy_reference

PAYLOAD = ("see [the answers](http://evil.example/x) ![pixel](http://evil.example/p.png) <script>alert(1)</script> "
           "<img src=x onerror=alert(2)> www.evil.example mail@evil.example **bold** \n```\n# FAKE Score: 100 / 100\n"
           "<iframe src=http://evil.example></iframe>")
TAGS = re.compile(r"<(a|img|script|iframe)\b", re.I)  # and the payload's **bold** stays literal


def render(text):
    renderer = MarkdownIt("commonmark", {"html": True, "linkify": _has_linkify()}).enable("table")
    if _has_linkify():
        renderer.enable("linkify")
    return renderer.render(text)


def _has_linkify():
    try:
        import linkify_it  # noqa: F401
        return True
    except ImportError:
        return False


def test_inline_and_block_text_render_as_themselves():
    html = render(f"- {inline(PAYLOAD)}\n\n" + "\n".join(block(PAYLOAD)))
    assert not TAGS.search(html) and "**bold**" in html, html
    assert "<h1" not in html
    assert "see [the answers](http://evil.example/x)" in html.replace("&quot;", '"')


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A submission whose import error, exception message and printed output all carry markup."""
    text = repr(PAYLOAD)
    upload = copy_reference(tmp_path_factory.mktemp("markup"), [
        ("regularizers", "import numpy as np\n", f"import numpy as np\nraise ValueError({text})\n"),
        ("losses", "    ### BEGIN SOLUTION\n",
         f"    ### BEGIN SOLUTION\n    print({text})\n    raise RuntimeError({text})\n")])
    return grade.grade(upload)[0]


def test_no_student_markup_in_the_summary_or_the_report(graded):
    assert "<script>" in graded["extra_data"]["modules"]["regularizers"]  # the payload did arrive
    for text in (graded["output"], markdown.report(graded)):
        html = render(text)
        assert not TAGS.search(html), html
        assert "**bold**" in html and not re.search(r"<h\d>[^<]*FAKE", html), html


def test_tests_outputs_are_plain_text(graded):
    assert graded["test_output_format"] == "text"
    assert all("output_format" not in test for test in graded["tests"])
