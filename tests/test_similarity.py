"""The similarity report (docs/tas.md, "Similarity"): planted copies are found and ranked above
independent correct solutions, untouched stubs never match, a copy of the reference is flagged,
hostile uploads are left out and reported, and every page escapes what students wrote."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.similarity import THRESHOLD, report, sources
from autograder.similarity.section import section

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "submissions"
VARIANTS = ROOT / "tests" / "mutants" / "variants"
ASSIGNMENT = sources.current()
HOSTILE = "</pre><script>alert(1)</script>"


def handout():
    """module -> text of the handout's graded stubs."""
    return {m: ASSIGNMENT.module_path(ASSIGNMENT.handout, m).read_text(encoding="utf-8") for m in ASSIGNMENT.graded}


def write_upload(folder, texts):
    """An upload folder holding <package>/ with the handout's stubs, the given module texts (str
    or bytes) in their place."""
    package = folder / ASSIGNMENT.package
    package.mkdir(parents=True)
    for module, text in {**handout(), **texts}.items():
        path = package / f"{module}.py"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return folder


def variant(name):
    """An independent correct solution: the handout with a correct variant's functions
    (tests/mutants/variants/NAME) written into it, the reference's code nowhere."""
    stubs = handout()
    return {p.stem: stubs[p.stem] + "\n" + p.read_text(encoding="utf-8") for p in (VARIANTS / name).glob("*.py")}


def pairs_by_names(doc):
    return {frozenset((p["a"], p["b"])): p for p in doc["pairs"]}


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """A class compared with threshold 0 (every pair listed): the examples, two independent
    correct layers.py (two variants), a second untouched handout, and hostile uploads."""
    folder = tmp_path_factory.mktemp("class")
    for entry in EXAMPLES.iterdir():
        (shutil.copytree if entry.is_dir() else shutil.copy)(entry, folder / entry.name)
    write_upload(folder / "einsum", variant("einsum_layers"))
    write_upload(folder / "loops", variant("loops_and_dict_caches"))
    write_upload(folder / "stubs_again", {})
    write_upload(folder / "huge", {"layers": "x = 1\n" * 60_000})
    write_upload(folder / "binary", {"losses": bytes(range(256)) * 64})
    write_upload(folder / "too_large", {"nets": b"#" * (2 << 20)})
    latin = (EXAMPLES / "complete" / ASSIGNMENT.package / "losses.py").read_bytes() + "# déjà vu\n".encode("cp1252")
    write_upload(folder / "not_utf8", {"losses": latin})
    students = [(p.name[:-4] if p.suffix == ".zip" else p.name, p) for p in sorted(folder.iterdir())]
    result = report.compare_class(students, ASSIGNMENT, threshold=0.0)
    out = tmp_path_factory.mktemp("out")
    return result, report.write(out, result, ASSIGNMENT.graded), out


def test_the_planted_copy_differs_in_text_but_is_found(compared):
    complete, copy = (EXAMPLES / name / ASSIGNMENT.package / "layers.py" for name in ("complete", "renamed_copy"))
    assert complete.read_text() != copy.read_text() and "my_" in copy.read_text()
    order = [[line.split("(")[0] for line in path.read_text().splitlines() if line.startswith("def ")]
             for path in (complete, copy)]
    assert order[0] != order[1] and sorted(order[0]) == sorted(order[1])
    planted = pairs_by_names(compared[1])[frozenset(("complete", "renamed_copy"))]
    assert planted["score"] >= 0.9 > THRESHOLD and set(planted["modules"]) == set(ASSIGNMENT.graded)


def test_independent_correct_solutions_rank_below_the_planted_copy(compared):
    pairs = pairs_by_names(compared[1])
    planted = pairs[frozenset(("complete", "renamed_copy"))]["score"]
    independent = [p for key, p in pairs.items() if key & {"einsum", "loops"} and not key & {"huge", "binary"}]
    assert len(independent) >= 8 and all(p["score"] < THRESHOLD < planted for p in independent)
    # They were compared (the variants' code is not empty after boilerplate), not skipped.
    uploads = {u["name"]: u for u in compared[1]["uploads"]}
    assert uploads["einsum"]["chars"] > 200 and uploads["loops"]["chars"] > 200


def test_untouched_stubs_never_match(compared):
    uploads = {u["name"]: u for u in compared[1]["uploads"]}
    assert uploads["empty"]["chars"] == uploads["stubs_again"]["chars"] == 0
    assert set(uploads["empty"]["modules"]) == set(ASSIGNMENT.graded)  # read, then found to be all handout
    stub_pairs = [p for key, p in pairs_by_names(compared[1]).items() if key & {"empty", "stubs_again"}]
    assert stub_pairs and all(p["score"] == 0 and p["modules"] == {} for p in stub_pairs)


def test_a_copy_of_the_reference_is_flagged(compared):
    flagged = {(p["a"], p["b_kind"]) for p in compared[1]["pairs"] if p["score"] >= THRESHOLD}
    assert {("complete", "reference"), ("renamed_copy", "reference")} <= flagged
    assert ("einsum", "reference") not in flagged and ("empty", "reference") not in flagged


def test_hostile_uploads_are_left_out_and_reported(compared):
    result, doc, out = compared
    notes = {u["name"]: " ".join(u["notes"]) for u in doc["uploads"]}
    uploads = {u["name"]: u for u in doc["uploads"]}
    assert "layers.py not compared: 360000 characters" in notes["huge"] and "layers" not in uploads["huge"]["modules"]
    assert "losses.py not compared: not text" in notes["binary"] and "losses" not in uploads["binary"]["modules"]
    assert "larger than 1 MB" in notes["too_large"] and "nets" not in uploads["too_large"]["modules"]
    assert "not UTF-8" in notes["not_utf8"] and "losses" in uploads["not_utf8"]["modules"]
    # What was left out is named on the class's pages too.
    shown = section(out)
    assert "huge" in shown and "not compared" in shown
    # A hostile upload costs nothing: none of its left-out files reaches a comparison.
    hostile = [f for f in result.students if f.upload.name in ("huge", "binary", "too_large")]
    assert all(f.chars == 0 for f in hostile)


def test_pairs_are_ranked_and_the_document_is_as_documented(compared):
    _, doc, out = compared
    assert doc["format"] == 1 and doc["settings"]["threshold"] == 0.0
    scores = [p["score"] for p in doc["pairs"]]
    assert scores == sorted(scores, reverse=True)
    assert [p["rank"] for p in doc["pairs"]] == list(range(1, len(scores) + 1))
    assert json.loads((out / "similarity.json").read_text()) == doc
    for p in doc["pairs"][:3]:
        assert (out / p["view"]).read_text().startswith("<!DOCTYPE html>")
    assert len(list((out / "similarity").glob("[0-9]*.html"))) == len(doc["pairs"])


def test_pages_escape_what_students_wrote(tmp_path):
    code = (f'def leak(x):\n    """{HOSTILE}"""\n    y = x + 1  # {HOSTILE}\n'
            f'    return "{HOSTILE}" * y * y * y + str(y)\n') * 12
    name = "x<img src=x onerror=alert(1)>"
    folder = tmp_path / "class"
    write_upload(folder / name, {"losses": code})
    write_upload(folder / "other", {"losses": code})
    out = tmp_path / "out"
    doc = report.write(out, report.compare_class([(name, folder / name), ("other", folder / "other")], ASSIGNMENT),
                       ASSIGNMENT.graded)
    assert doc["pairs"][0]["score"] >= THRESHOLD
    pages = [section(out), *(p.read_text() for p in (out / "similarity").glob("*.html"))]
    for text in pages:
        assert "<script>" not in text and "<img" not in text
    view = (out / doc["pairs"][0]["view"]).read_text()
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in view and "<mark>" in view


def run_similarity(*args, seed="0"):
    return subprocess.run([sys.executable, "-m", "autograder", "similarity", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONHASHSEED": seed})


def test_the_command_is_deterministic_and_takes_an_archive(tmp_path):
    term = tmp_path / "fall"
    shutil.copytree(EXAMPLES / "complete", term / "old_student")
    first, second = tmp_path / "a", tmp_path / "b"
    done = run_similarity(EXAMPLES, "--out", first, "--archive", term)
    assert done.returncode == 0, done.stderr
    assert run_similarity(EXAMPLES, "--out", second, "--archive", term, seed="1").returncode == 0
    docs = [json.loads((out / "similarity.json").read_text()) for out in (first, second)]
    assert [d.pop("seconds") >= 0 for d in docs] == [True, True] and docs[0] == docs[1]
    assert ("renamed_copy", "fall/old_student", "archive") in {(p["a"], p["b"], p["b_kind"]) for p in docs[0]["pairs"]}
    assert "similarity: 5 submissions" in done.stdout


def test_the_command_refuses_a_bad_threshold_or_folder(tmp_path):
    assert run_similarity(EXAMPLES, "--out", tmp_path, "--threshold", "1.5").returncode == 2
    missing = run_similarity(tmp_path / "nothing", "--out", tmp_path)
    assert missing.returncode == 2 and "is not a folder" in missing.stderr


def test_the_shares_are_copydetects_own(compared):
    """compare.shares (numpy, for every pair) gives what copydetect's compare_files gives."""
    from copydetect.detector import compare_files
    result = compared[0]
    checked = 0
    partial = [p for p in result.pairs if 0 < p.overall < 1]  # independent solutions, the disguised copy
    assert len(partial) >= 8
    for pair in result.pairs[:5] + partial:
        for module, match in pair.matches.items():
            _, expected, _ = compare_files(pair.a.prints[module], pair.b.prints[module])
            assert (match.share_a, match.share_b) == pytest.approx(expected, abs=1e-9)
            checked += 1
    assert checked > 40


def test_the_tas_page_states_the_codes_settings():
    from autograder.similarity import compare, texts
    from autograder.similarity import section as section_module
    text = " ".join((ROOT / "docs" / "tas.md").read_text(encoding="utf-8").split("## Similarity", 1)[1]
                    .split("\n## ", 1)[0].split())
    assert f"Every k-gram of {compare.NOISE} tokenized characters" in text
    assert f"fewer than {compare.MIN_CHARS} tokenized characters" in text
    assert (f"one module of at least {compare.MIN_MODULE_CHARS} tokenized characters on a side has "
            f"{compare.MODULE_SHARE:g} or more") in text
    assert f"(default {THRESHOLD:g}, `--threshold`)" in text and f"(the {report.MAX_VIEWS} highest)" in text
    assert f"longer than {texts.MAX_CHARS:,} characters" in text
    from autograder.similarity import views
    assert f"at most {views.SHOWN:,} characters of a module" in text
    assert f"(the {section_module.ROWS} highest in `summary.html`, up to {report.MAX_PAIRS} on" in text


def test_the_command_line_loads_copydetect_only_for_this_command():
    done = subprocess.run([sys.executable, "-c", "import sys, autograder.cli, autograder.report.summary; "
                           "print(sorted(m for m in sys.modules if m.split('.')[0] == 'copydetect'))"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr


def test_a_class_of_copies_is_listed_within_bounds(tmp_path, monkeypatch):
    from autograder.similarity import section as section_module
    monkeypatch.setattr(report, "MAX_PAIRS", 20)
    monkeypatch.setattr(report, "MAX_VIEWS", 3)
    monkeypatch.setattr(section_module, "ROWS", 5)
    students = [(f"s{i:02d}", EXAMPLES / "complete") for i in range(12)]
    out = tmp_path / "out"
    doc = report.write(out, report.compare_class(students, ASSIGNMENT), ASSIGNMENT.graded)
    assert doc["flagged"] == 66 + 12 and len(doc["pairs"]) == 20  # every pair, and each with the reference
    assert sorted(p.name for p in (out / "similarity").iterdir()) == ["001.html", "002.html", "003.html", "index.html"]
    assert [p["view"] for p in doc["pairs"]].count(None) == 17
    shown = section(out)
    assert shown.count("<tr>") == 1 + 5 and "index page</a> lists 20" in shown and "The 20 highest of the 78" in shown
    assert (out / "similarity" / "index.html").read_text().count("<tr>") == 1 + 20


def test_copies_are_compared_once_and_scored_as_each_pair_alone():
    """all_pairs compares each distinct pair of contents once: every pair still gets what
    comparing its two uploads alone gives."""
    from autograder.similarity import compare
    students = ([(f"copy{i}", EXAMPLES / "complete") for i in range(3)] + [(f"stub{i}", EXAMPLES / "empty")
                for i in range(2)] + [("half", EXAMPLES / "half_finished")])
    result = report.compare_class(students, ASSIGNMENT, threshold=0.0)
    assert len(result.pairs) == 15 + 6
    for pair in result.pairs:
        alone = compare.compare(pair.a, pair.b)
        assert (pair.score, pair.overall, pair.module, pair.matches) == (alone.score, alone.overall, alone.module,
                                                                         alone.matches)
    assert {p.score for p in result.pairs if {p.a.upload.name, p.b.upload.name} <= {"copy0", "copy1", "copy2"}} == {1.0}


@pytest.mark.parametrize("student", ["similarity", "similarity.json", "Similarity.JSON"])
def test_a_student_id_equal_to_the_reports_outputs_is_refused(tmp_path, student):
    from autograder.batch import names
    from autograder.batch.entries import discover
    from autograder.similarity.section import JSON, PAGES
    assert set(names.OUTPUTS) == {JSON, PAGES}
    assert "similarity report" in names.unsafe(student)
    shutil.copytree(EXAMPLES / "complete", tmp_path / student)
    shutil.copytree(EXAMPLES / "complete", tmp_path / "alice")
    found, _ = discover(tmp_path)
    assert {e.student: bool(e.problem) for e in found} == {student: True, "alice": False}


def test_the_report_deletes_and_writes_only_its_own_outputs(tmp_path):
    result = report.compare_class([("a", EXAMPLES / "complete"), ("b", EXAMPLES / "renamed_copy")], ASSIGNMENT)
    out = tmp_path / "out"
    report.write(out, result, ASSIGNMENT.graded)
    report.write(out, result, ASSIGNMENT.graded)  # its own outputs are replaced
    assert (out / "similarity" / "index.html").is_file()
    for name in ("similarity", "similarity.json"):  # a student's graded folder of that name
        other = tmp_path / f"other_{name}"
        (other / name).mkdir(parents=True)
        (other / name / "results.json").write_text("{}")
        with pytest.raises(report.OutputError, match="nothing was written"):
            report.write(other, result, ASSIGNMENT.graded)
        assert sorted(p.name for p in other.rglob("*")) == sorted([name, "results.json"])
    refused = run_similarity(EXAMPLES, "--out", tmp_path / "other_similarity")
    assert refused.returncode == 2 and "did not write (results.json)" in refused.stderr


def reference_texts():
    return {m: ASSIGNMENT.module_path(ASSIGNMENT.solutions, m).read_text(encoding="utf-8") for m in ASSIGNMENT.graded}


def after_every_statement(text, statement):
    """text with statement (source) inserted after every statement of every function."""
    import ast
    tree = ast.parse(text)
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(node, (ast.Module, ast.ClassDef)) or not (isinstance(block, list) and block):
                continue
            block[:] = [s for old in block for s in (old, ast.parse(statement).body[0])]
    return ast.unparse(tree)


def test_cheap_disguises_change_nothing_once_normalized():
    """Inserted no-ops, swapped operands and swapped independent statements leave the code as
    compared (normalized, then tokenized: names are V) as it was."""
    import ast
    from autograder.similarity.compare import _fingerprint
    from autograder.similarity.normalize import normalized
    from tools import disguise
    for module, text in reference_texts().items():
        canonical = _fingerprint(text).filtered_code
        swapped = ast.unparse(disguise._rewrite_blocks(disguise._SwapOperands().visit(ast.parse(text))))
        for variant_text in (after_every_statement(text, "print(end='')"), after_every_statement(text, "pass"),
                             after_every_statement(text, "_unused = 1"), swapped):
            assert variant_text != text and _fingerprint(variant_text).filtered_code == canonical, module
    assert normalized("def f(:\n") == "def f(:\n"  # text that does not parse is compared as it is


def test_the_planted_copy_uses_the_cheap_disguises():
    copy = (EXAMPLES / "renamed_copy" / ASSIGNMENT.package / "layers.py").read_text()
    assert "    pass\n" in copy and "my_" in copy
    complete = (EXAMPLES / "complete" / ASSIGNMENT.package / "layers.py").read_text()
    assert "x.reshape(x.shape[0], -1) @ w + b" in complete and "b + x.reshape" in copy.replace("my_", "")


def strip_docstrings(text):
    import ast
    tree = ast.parse(text)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value,
                                                                                            ast.Constant):
            node.body = body[1:] or [ast.Pass()]
    return ast.unparse(tree)


def test_formatted_or_stripped_handouts_are_still_boilerplate(tmp_path):
    formatted = write_upload(tmp_path / "formatted", {})
    done = subprocess.run([sys.executable, "-m", "ruff", "format", "-q", "--line-length", "79",
                           str(formatted / ASSIGNMENT.package)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (formatted / ASSIGNMENT.package / "losses.py").read_text() != handout()["losses"]
    stripped = write_upload(tmp_path / "stripped", {m: strip_docstrings(t) for m, t in handout().items()})
    result = report.compare_class([("formatted", formatted), ("stripped", stripped)], ASSIGNMENT, threshold=0.0)
    assert [f.chars for f in result.students] == [0, 0]
    assert all(p.score == 0 and p.matches == {} for p in result.pairs)


def test_one_copied_module_is_not_diluted_by_the_rest(tmp_path):
    """An honest submission but for one module copied from the reference is flagged for that
    module; the same submission with its own version of that module is not."""
    own = {}
    for name in ("closure_autodiff", "einsum_layers", "functional_optim", "layer_dict_nets", "logsumexp_losses"):
        own.update(variant(name))
    copied = write_upload(tmp_path / "copied", {**own, "losses": reference_texts()["losses"]})
    honest = write_upload(tmp_path / "honest", own)
    result = report.compare_class([("copied", copied), ("honest", honest)], ASSIGNMENT)
    with_reference = {p.a.upload.name: p for p in result.pairs if p.b.upload.kind == "reference"}
    flagged = with_reference["copied"]
    assert flagged.overall < THRESHOLD <= flagged.score and flagged.module == "losses"
    assert with_reference["honest"].score < THRESHOLD and with_reference["honest"].module is None
    out = tmp_path / "out"
    doc = report.write(out, result, ASSIGNMENT.graded)
    listed = [p for p in doc["pairs"] if p["a"] == "copied" and p["b_kind"] == "reference"][0]
    assert listed["module"] == "losses" and listed["overall"] < listed["score"]
    assert "score set by losses.py (" in section(out) and "losses.py alone" in (out / listed["view"]).read_text()


def test_every_note_is_on_the_pages(compared):
    from autograder.report.html import esc
    _, doc, out = compared
    notes = [(u["name"], n) for u in doc["uploads"] for n in u["notes"]]
    assert any("not UTF-8" in n for _, n in notes)  # a note that is not about a file left out
    index, summary = (out / "similarity" / "index.html").read_text(), section(out)
    for name, note in notes:
        assert f"{esc(name)}: {esc(note)}" in index and f"{esc(name)}: {esc(note)}" in summary


def test_pages_show_a_bounded_part_of_very_large_modules(tmp_path):
    from autograder.similarity import texts, views
    reference = reference_texts()
    large = {m: reference[m] * (190_000 // len(reference[m])) for m in ("layers", "autodiff")}
    assert all(views.SHOWN * 5 < len(t) <= texts.MAX_CHARS for t in large.values())
    uploads = [write_upload(tmp_path / name, {**reference, **large}) for name in ("a", "b")]
    out = tmp_path / "out"
    doc = report.write(out, report.compare_class([("a", uploads[0]), ("b", uploads[1])], ASSIGNMENT),
                       ASSIGNMENT.graded)
    page = (out / doc["pairs"][0]["view"]).read_text()
    assert set(doc["pairs"][0]["modules"]) >= set(large) and "more characters not shown" in page
    assert len(page.encode("utf-8")) < 4 * len(large) * views.SHOWN + 2 * sum(map(len, reference.values()))


def test_a_module_that_does_not_parse_still_has_the_handout_removed(tmp_path):
    broken = write_upload(tmp_path / "broken", {m: t + "\ndef broken(:\n" for m, t in handout().items()})
    from autograder.similarity.compare import NOISE
    result = report.compare_class([("broken", broken)], ASSIGNMENT)
    # Only the k-grams that reach the added line are its own (3415 characters before the fix).
    assert all(p.token_coverage <= 2 * NOISE for p in result.students[0].prints.values())
    assert result.pairs[0].score == 0
