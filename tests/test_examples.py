"""examples/submissions/ is generated from solutions/ by tools/make_examples.py and kept in sync."""
import zipfile

from autograder import assignment
from mutate import ROOT
from tools import make_examples

EXAMPLES = ROOT / "examples" / "submissions"
SPEC = assignment.load("gradlab")


def test_examples_are_up_to_date(tmp_path):
    fresh = tmp_path / "submissions"
    make_examples.build(fresh)
    assert make_examples.stale(fresh, EXAMPLES) == [], "run `make examples`"


def test_the_zip_is_laid_out_as_the_submit_tool_makes_it():
    with zipfile.ZipFile(EXAMPLES / "backprop_mistakes.zip") as archive:
        names = archive.namelist()
        losses = archive.read("gradlab/losses.py").decode()
    assert sorted(names) == sorted(f"gradlab/{m}.py" for m in ("__init__", *SPEC.modules))
    assert "return float(loss), dscores\n" in losses and "BEGIN SOLUTION" not in losses


def test_each_example_is_what_its_name_says():
    complete = (EXAMPLES / "complete" / "gradlab" / "layers.py").read_text()
    assert "NotImplementedError" not in complete and "### BEGIN SOLUTION" not in complete and "# HINT:" not in complete
    half = {p.stem: "raise NotImplementedError(" in p.read_text() for p in (EXAMPLES / "half_finished").glob("*.py")}
    assert {m for m, stub in half.items() if stub} == set(SPEC.graded) - set(make_examples.plan(SPEC)[0])
    empty = [p for p in (EXAMPLES / "empty" / "gradlab").glob("*.py") if p.stem in SPEC.graded]
    assert len(empty) == len(SPEC.graded)
    assert all("raise NotImplementedError(" in p.read_text() for p in empty)
