"""The mutation score: every first-order mutant of the solution blocks, graded by the hidden suite.

generated.py makes the mutants with cosmic-ray's operators; each one is graded like a mutant of
mutants.toml (runner.py's grading: a submission folder, autograder.grade.grade restricted to
the rubric tests tagged with the functions it breaks) and is killed when it loses points on
one of them. A survivor is either a weakness of the checks (strengthen them) or listed, with
its argument, in equivalent.toml. An entry there that no longer matches a mutant, or whose
mutant is killed, is stale and fails the run.

Usage (`make mutation-score`): python tests/mutants/score.py [--jobs N] [--sample K [--seed S]]
    [--only MODULE ...] [--out FILE]
Prints the score, every survivor and the equivalents; writes them to FILE (default
mutation/latest.json); exits 1 when a non-equivalent mutant survives or an entry is stale.
"""
import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
for path in (ROOT, ROOT / "tests", HERE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import generated  # noqa: E402
import runner  # noqa: E402
from autograder import assignment  # noqa: E402
from mutate import copy_reference  # noqa: E402

OUT = ROOT / "mutation" / "latest.json"


@dataclass
class Outcome:
    """How the grader treated one generated mutant.

    - status: "killed", "survived", "equivalent" (survived and listed) or "stale" (listed but killed).
    - failed: ids of the tests it lost points on; diagnoses: their test-level diagnoses.
    """
    mutant: generated.Generated
    before: str
    after: str
    status: str
    failed: list = field(default_factory=list)
    diagnoses: list = field(default_factory=list)
    why: str = ""

    def as_dict(self):
        return {"name": self.mutant.name, "module": self.mutant.module, "definition": self.mutant.definition,
                "operator": self.mutant.operator, "line": self.mutant.line, "before": self.before,
                "after": self.after, "status": self.status, "failed": self.failed, "diagnoses": self.diagnoses,
                **({"why": self.why} if self.why else {})}


def _grade_one(mutant):
    """Build one mutant, grade it on its tagged tests. Returns (before, after, failed ids, diagnoses),
    or None when the mutation does not apply."""
    source = mutant.source()
    if source is None:
        return None
    before, after = mutant.change(source)
    scratch = Path(tempfile.mkdtemp(prefix="mutation-score-"))
    try:
        original = (generated.reference() / f"{mutant.module}.py").read_text()
        copy_reference(scratch, [(mutant.module, original, source)])
        document = runner._grade((scratch, runner.tagged_tests(mutant.functions)))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    lost = [t for t in document["tests"] if t["score"] < t["max_score"]]
    return before, after, [t["extra_data"]["id"] for t in lost], [t["extra_data"]["diagnosis"] for t in lost]


def select(mutants, sample=None, seed=0, only=None):
    """The mutants to run: those of the modules in only (all if None), then a seeded sample of size sample."""
    chosen = [m for m in mutants if not only or m.module in only]
    if sample is not None and sample < len(chosen):
        chosen = sorted(random.Random(seed).sample(chosen, sample), key=chosen.index)
    return chosen


def run(jobs=2, sample=None, seed=0, only=None, equivalent=None, progress=None):
    """Generate, grade and judge the mutants. Returns (list of Outcome, stale keys, seconds).

    equivalent: dict key -> reason (default: equivalent.toml). Stale keys are entries matching no
    generated mutant (checked on a full run only; a sample cannot tell).
    """
    start = time.monotonic()
    reasons = generated.load_equivalent() if equivalent is None else equivalent
    everything = generated.generate()
    mutants = select(everything, sample, seed, only)
    outcomes = []
    with runner.pool(jobs) as workers:
        for done, (mutant, graded) in enumerate(zip(mutants, workers.imap(_grade_one, mutants, chunksize=1)), 1):
            if progress and (done % 50 == 0 or done == len(mutants)):
                progress(f"{done}/{len(mutants)} mutants graded, {time.monotonic() - start:.0f} s")
            if graded is None:
                continue
            before, after, failed, diagnoses = graded
            why = reasons.get(generated.key(mutant, before, after), "")
            status = ("stale" if why else "killed") if failed else ("equivalent" if why else "survived")
            outcomes.append(Outcome(mutant, before, after, status, failed, diagnoses, why))
    seen = {generated.key(o.mutant, o.before, o.after) for o in outcomes}
    unmatched = [k for k in reasons if k not in seen] if sample is None and not only else []
    return outcomes, unmatched, time.monotonic() - start


def summary(outcomes, unmatched, seconds, jobs):
    """The figures of a run, as a dict (what latest.json holds)."""
    count = {s: sum(o.status == s for o in outcomes) for s in ("killed", "survived", "equivalent", "stale")}
    graded = len(outcomes) - count["equivalent"]
    return {"mutants": len(outcomes), **count, "score": count["killed"] / graded if graded else 1.0,
            "seconds": round(seconds, 1), "jobs": jobs,
            "survivors": [o.as_dict() for o in outcomes if o.status == "survived"],
            "equivalents": [o.as_dict() for o in outcomes if o.status == "equivalent"],
            "stale": [o.as_dict() for o in outcomes if o.status == "stale"]
            + [dict(zip(("module", "definition", "operator", "before", "after"), k)) for k in unmatched]}


def text(figures):
    """The figures as the lines printed by `make mutation-score`."""
    lines = [f"mutants: {figures['mutants']}; killed: {figures['killed']}; equivalent (reviewed): "
             f"{figures['equivalent']}; survived: {figures['survived']}; stale equivalents: {len(figures['stale'])}",
             f"mutation score (killed / non-equivalent): {figures['score']:.2%}; {figures['seconds']:.0f} s "
             f"with {figures['jobs']} jobs"]
    for title, entries in (("survivors", figures["survivors"]), ("equivalent", figures["equivalents"]),
                           ("stale entries of equivalent.toml (killed, or matching no mutant)", figures["stale"])):
        if entries:
            lines += ["", f"{title}:"]
            lines += [f"  {e.get('name', '-')} {e['definition']} ({e['operator']}): {e['before']}  ->  {e['after']}"
                      + (f"\n      why equivalent: {e['why']}" if e.get("why") and title == "equivalent" else "")
                      for e in entries]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="grading processes (default 2)")
    parser.add_argument("--sample", type=int, help="grade a seeded sample of this many mutants only")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample (default 0)")
    parser.add_argument("--only", nargs="*", help="modules of the package to mutate (default: all)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write the figures (default {OUT})")
    assignment.add_option(parser)
    args = parser.parse_args(argv)
    assignment.use(args.assignment)
    outcomes, unmatched, seconds = run(args.jobs, args.sample, args.seed, args.only,
                                       progress=lambda line: print(line, file=sys.stderr, flush=True))
    figures = summary(outcomes, unmatched, seconds, args.jobs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=1) + "\n")
    print(text(figures))
    print(f"\nwritten to {args.out}")
    return 0 if not figures["survived"] and not figures["stale"] else 1


if __name__ == "__main__":
    sys.exit(main())
