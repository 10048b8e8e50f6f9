"""The mutation suite: does the grader catch every classic mistake, name it, and spare correct code?

Builds every mutant of mutants.toml (the reference with a mistake put in) and every correct
variant of variants/ (the reference with some functions rewritten) as a submission, grades them
all with autograder.grade.grade in a pool of processes, and judges each mutant:
- killed: it lost points on a test tagged with the function it breaks;
- diagnosed: the test that judges it (see mutants.toml) names the expected diagnosis.
Every variant must score full marks (the rubric's total).

Usage (`make mutants`): python tests/mutants/runner.py [--jobs N] [--only NAME ...] [--assignment A]
(the suite is the assignment's, in the folder its spec's `mutants` names)
Prints a table (mutant, points lost, tests failed, diagnosis given, expected diagnosis) and the
totals; exits 1 unless every mutant is killed, at least 90% are diagnosed and every variant
scores full marks.
"""
import argparse
import multiprocessing
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
for path in (ROOT, ROOT / "tests"):  # the grader, and tests/mutate.py when run as a script
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from autograder import assignment, grade, rubric  # noqa: E402
from mutate import copy_reference, diagnoses, reference, suite  # noqa: E402

DIAGNOSED_SHARE = 0.9  # the bar: at least 90% of the mutants get their expected diagnosis


@dataclass(frozen=True)
class Mutant:
    """One entry of mutants.toml (see its header for the fields)."""
    name: str
    module: str
    function: str
    expect: str
    why: str
    edits: tuple
    test: str = None


@dataclass
class Verdict:
    """How the grader treated one mutant.

    - lost: points lost in all; failed: ids of the failed tests.
    - killed: lost points on a test tagged with the mutated function.
    - judged_by: id of the test whose diagnosis counts; given: that diagnosis (None if it passed).
    """
    mutant: Mutant
    lost: float
    failed: list
    killed: bool
    judged_by: str
    given: str

    @property
    def diagnosed(self):
        return self.killed and self.given == self.mutant.expect


@dataclass
class Report:
    verdicts: list
    variants: dict  # variant name -> (score, names of the tests it failed)
    total: float  # the rubric's total: a variant's full marks
    seconds: float
    outputs: dict = field(default_factory=dict)  # mutant name -> results dict, for tests

    @property
    def killed(self):
        return sum(v.killed for v in self.verdicts)

    @property
    def diagnosed(self):
        return sum(v.diagnosed for v in self.verdicts)

    @property
    def passed(self):
        """The suite's bar: all killed, >= 90% diagnosed, every variant at full marks."""
        return (self.killed == len(self.verdicts) and self.diagnosed >= DIAGNOSED_SHARE * len(self.verdicts)
                and self.full_marks == len(self.variants))

    @property
    def full_marks(self):
        """How many variants scored the rubric's total."""
        return sum(score == self.total for score, _ in self.variants.values())


def load_catalog(path=None):
    """The mutants of a catalog file, checked: known functions, codes, tests and unique edit texts.

    Returns: list of Mutant; raises ValueError naming the first bad entry.
    """
    path = suite() / "mutants.toml" if path is None else path
    entries = tomllib.loads(Path(path).read_text())["mutant"]
    tests = rubric.load()
    functions = {f for t in tests for f in t.functions}
    ids = {t.id for t in tests}
    mutants, names = [], set()
    for entry in entries:
        mutant = Mutant(entry["name"], entry["module"], entry["function"], entry["expect"], entry["why"],
                        tuple(tuple(edit) for edit in entry["edits"]), entry.get("test"))
        source = (reference() / f"{mutant.module}.py").read_text()
        problems = ["duplicate name" if mutant.name in names else "",
                    f"unknown function {mutant.function}" if mutant.function not in functions else "",
                    f"unknown diagnosis {mutant.expect}" if mutant.expect not in diagnoses() else "",
                    f"unknown test {mutant.test}" if mutant.test and mutant.test not in ids else ""]
        problems += [f"edit text occurs {source.count(old)} times in {mutant.module}.py: {old!r:.60}"
                     for old, _ in mutant.edits if source.count(old) != 1]
        if any(problems):
            raise ValueError(f"{path}: mutant {mutant.name}: " + "; ".join(p for p in problems if p))
        names.add(mutant.name)
        mutants.append(mutant)
    return mutants


def variant_names():
    return sorted(p.name for p in (suite() / "variants").iterdir() if p.is_dir() and any(p.glob("*.py")))


def build_mutant(mutant, dest):
    """The reference with the mutant's edits, as a submission folder dest/<package>; returns dest."""
    dest.mkdir(parents=True)
    return copy_reference(dest, [(mutant.module, old, new) for old, new in mutant.edits])


def build_variant(name, dest):
    """The reference with the variant's module texts appended (its definitions win); returns dest."""
    dest.mkdir(parents=True)
    copy_reference(dest)
    for extra in sorted((suite() / "variants" / name).glob("*.py")):
        module = dest / assignment.current().package / extra.name
        module.write_text(module.read_text() + extra.read_text())
    return dest


def judge(mutant, results):
    """The Verdict on a mutant from its results.json document."""
    tests = results["tests"]
    tagged = [t for t in tests if mutant.function in t["tags"]]
    failed = [t for t in tests if t["status"] == "failed"]
    if mutant.test:
        candidates = [t for t in failed if t["extra_data"]["id"] == mutant.test]
    else:
        candidates = ([t for t in failed if t["tags"][0] == mutant.function]
                      or [t for t in failed if mutant.function in t["tags"]])
    judged = candidates[0] if candidates else None
    return Verdict(mutant, round(sum(t["max_score"] - t["score"] for t in tests), 4),
                   [t["extra_data"]["id"] for t in failed], any(t["score"] < t["max_score"] for t in tagged),
                   judged["extra_data"]["id"] if judged else "", judged["extra_data"]["diagnosis"] if judged else None)


def tagged_tests(functions):
    """Ids of the rubric tests tagged with any of the given function names."""
    return [t.id for t in rubric.load() if set(functions) & set(t.functions)]


def relevant_tests(mutant):
    """Ids of the rubric tests that can kill or judge a mutant: those tagged with its function."""
    return [t.id for t in rubric.load() if t.id in tagged_tests([mutant.function]) or t.id == mutant.test]


def pool(jobs, spec=None):
    """A pool of jobs spawned grading processes, each grading the Assignment spec (default the
    current one): a spawned process starts with the default assignment, so each is told."""
    folder = str((spec or assignment.current()).folder)
    return multiprocessing.get_context("spawn").Pool(jobs, initializer=assignment.use, initargs=(folder,))


def _grade(job):
    """Grade one folder in a pool worker. job: (upload, test ids or None for the whole rubric).
    Returns its results document."""
    upload, ids = job
    tests = None if ids is None else [t for t in rubric.load() if t.id in ids]
    return grade.grade(upload, rubric_tests=tests)[0]


def run(jobs=2, only=None, focused=False):
    """Build, grade and judge every mutant (or those named in only) and every variant.

    focused: grade each mutant on the tests tagged with its function only (they alone can kill
    or judge it; points lost then count those tests); variants always face the whole rubric.
    Returns: a Report.
    """
    start = time.monotonic()
    mutants = [m for m in load_catalog() if not only or m.name in only]
    variants = [v for v in variant_names() if not only or v in only]
    with tempfile.TemporaryDirectory(prefix=f"{assignment.current().name}-mutants-") as scratch:
        work = [(build_mutant(m, Path(scratch) / "mutants" / m.name), relevant_tests(m) if focused else None)
                 for m in mutants]
        work += [(build_variant(v, Path(scratch) / "variants" / v), None) for v in variants]
        with pool(jobs) as workers:
            documents = workers.map(_grade, work, chunksize=1)
    verdicts = [judge(m, d) for m, d in zip(mutants, documents)]
    scores = {v: (d["score"], [t["extra_data"]["id"] for t in d["tests"] if t["status"] == "failed"])
              for v, d in zip(variants, documents[len(mutants):])}
    return Report(verdicts, scores, rubric.total(rubric.load()), time.monotonic() - start,
                  {m.name: d for m, d in zip(mutants, documents)})


def table(report):
    """The report as text: one row per mutant, the variants, then the totals."""
    rows = [("mutant", "function", "lost", "failed", "judged by", "diagnosis given", "expected", "")]
    for v in report.verdicts:
        mark = "ok" if v.diagnosed else ("SURVIVED" if not v.killed else "misdiagnosed")
        rows.append((v.mutant.name, v.mutant.function, f"{v.lost:g}", str(len(v.failed)), v.judged_by or "-",
                     v.given or "-", v.mutant.expect, mark))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines += ["", "correct variants:"]
    lines += [f"  {name}: {score:g}/{report.total:g}" + (f" (failed: {', '.join(failed)})" if failed else "")
              for name, (score, failed) in report.variants.items()]
    n = len(report.verdicts)
    lines += ["", f"mutants: {n}; killed: {report.killed} ({report.killed / max(n, 1):.0%}); "
              f"correctly diagnosed: {report.diagnosed} ({report.diagnosed / max(n, 1):.0%}); "
              f"survived: {n - report.killed}; variants at full marks ({report.total:g}): "
              f"{report.full_marks} of {len(report.variants)}; "
              f"{report.seconds:.1f} s"]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="grading processes (default 2)")
    parser.add_argument("--only", nargs="*", help="names of mutants or variants to run (default: all)")
    parser.add_argument("--focused", action="store_true",
                        help="grade each mutant on the tests tagged with its function only (faster)")
    assignment.add_option(parser)
    args = parser.parse_args(argv)
    assignment.use(args.assignment)
    report = run(args.jobs, args.only, args.focused)
    print(table(report))
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
