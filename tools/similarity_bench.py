"""Time the similarity report on a synthetic class (docs/tas.md, "Similarity").

Every student of the class is distinct text: for each graded module, drawn with a seeded
generator, the finished reference disguised with the student's own variable names (half of
them with the functions reordered), the handout's stub, or the stub with a correct variant's
functions (tests/mutants/variants) written in. So every pair is compared in full (no two files
are the same), and many pairs share most of their code: the slow case.

Usage: python -m tools.similarity_bench [--size 100] [--seed 0]
"""
import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from autograder.similarity import report, sources
from tools.disguise import rename_locals, reverse_functions
from tools.make_examples import ROOT, finished

VARIANTS = ROOT / "tests" / "mutants" / "variants"


def _variants(assignment):
    """module -> list of variant texts (the functions only)."""
    found = {}
    for path in sorted(VARIANTS.glob("*/*.py")):
        if path.stem in assignment.graded:
            found.setdefault(path.stem, []).append(path.read_text(encoding="utf-8"))
    return found


def make_class(folder, size, rng, assignment):
    """Write size student folders (<package>/<module>.py) into folder; returns (id, path) pairs."""
    variants = _variants(assignment)
    students = []
    for i in range(size):
        package = folder / f"s{i:03d}" / assignment.package
        package.mkdir(parents=True)
        for module in assignment.graded:
            stub = assignment.module_path(assignment.handout, module).read_text(encoding="utf-8")
            choice = rng.choice(3, p=[0.6, 0.2, 0.2]) if module in variants else rng.choice([0, 1], p=[0.75, 0.25])
            if choice == 0:
                text = rename_locals(finished(assignment.module_path(assignment.solutions, module).read_text()),
                                     f"s{i}_")
                text = reverse_functions(text) if rng.random() < 0.5 else text
            elif choice == 1:
                text = stub
            else:
                text = stub + "\n" + variants[module][rng.integers(len(variants[module]))]
            (package / f"{module}.py").write_text(text, encoding="utf-8")
        students.append((f"s{i:03d}", package.parent))
    return students


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    assignment = sources.current()
    with tempfile.TemporaryDirectory() as scratch:
        students = make_class(Path(scratch) / "class", args.size, np.random.default_rng(args.seed), assignment)
        start, cpu = time.monotonic(), time.process_time()
        result = report.compare_class(students, assignment)
        compared = time.monotonic() - start
        report.write(Path(scratch) / "out", result, assignment.graded)
        total, cpu = time.monotonic() - start, time.process_time() - cpu
    print(f"{args.size} students, {len(result.pairs)} pairs, {len(result.flagged)} flagged: read and fingerprinted "
          f"in {result.reading:.1f} s, pairs compared in {compared - result.reading:.1f} s, pages written in "
          f"{total - compared:.1f} s; {total:.1f} s in all ({cpu:.1f} s of CPU)")


if __name__ == "__main__":
    main()
