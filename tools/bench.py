"""Benchmark the grader: one submission as Gradescope grades it, and a class as `make grade` does.

One submission: the command Gradescope's students wait for, `python -m autograder grade
examples/submissions/complete --out DIR`, timed as a whole process (median and p95 over
--runs runs), beside `otter run` grading a small notebook assignment made with otter-grader in
the same run (tools/otter_baseline.py; --otter-runs runs) and beside the floor, a bare
`python -c "import numpy"`; the three are run in turn, round by round, so that a change in the
machine's load touches them alike, and the ratios are printed.

A class: copies of the complete example (correct), the example submissions with backprop
mistakes and half done, untouched stubs, and hostile ones that hang in one function (they cost
their timeouts). It prints per-submission wall time (median, p95) for a correct submission and
for a stub, class throughput, peak memory per worker (the grading process, and the student's
process it drives), time per test, and the share of a grading run spent starting the student's
process and importing its modules. The figures also go to a JSON file; the previous one is
kept beside it for comparison.

Usage: python -m tools.bench [--size N] [--jobs J] [--runs R] [--otter-runs R] [--out DIR] [--assignment A]
(the assignment's examples are the submissions; its examples.toml's [hang] makes the hostile ones)
"""
import argparse
import compileall
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder import assignment
from tools import otter_baseline
from tools.make_examples import hang
from tools.reference_copy import ROOT, copy_reference

# The share of each kind in the class (the rest is correct).
MIX = {"stub": 0.05, "mistakes": 0.05, "half_finished": 0.05, "hostile": 0.01}


def make_class(folder, size):
    """Write a synthetic class of size submissions into folder; returns {student: kind}."""
    counts = {kind: max(1, round(share * size)) for kind, share in MIX.items()}
    counts["correct"] = max(1, size - sum(counts.values()))
    spec = assignment.current()
    examples = spec.examples
    sources = {"correct": examples / "complete", "stub": examples / "empty",
               "mistakes": examples / "backprop_mistakes.zip", "half_finished": examples / "half_finished"}
    kinds = {}
    for kind, count in counts.items():
        for i in range(count):
            student = f"{kind}-{i:04d}"
            target = folder / (student + (".zip" if kind == "mistakes" else ""))
            if kind == "hostile":
                copy_reference(target, [hang(spec)])
            elif target.suffix == ".zip":
                shutil.copyfile(sources[kind], target)
            else:
                shutil.copytree(sources[kind], target)
            kinds[student] = kind
    return kinds


def _shown(path):
    """path relative to the repository when inside it, else as it is."""
    try:
        return Path(path).relative_to(ROOT)
    except ValueError:
        return path


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def time_in_turn(commands, runs):
    """Wall seconds of whole processes, the commands run in turn, round by round.

    Inputs:
    - commands: dict label -> argv (list of str), run with the project as working folder.
    - runs: dict label -> how many runs of that command (a command runs in the first rounds only).

    Returns: dict label -> list of seconds. Raises CalledProcessError if a command fails.
    """
    seconds = {label: [] for label in commands}
    for round_ in range(max(runs.values())):
        for label, argv in commands.items():
            if round_ < runs[label]:
                start = time.perf_counter()
                subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                seconds[label].append(time.perf_counter() - start)
    return seconds


def spread(values):
    """Median, p95 and the runs of a list of seconds, as a dict."""
    return {"median": statistics.median(values), "p95": percentile(values, 0.95), "runs": len(values),
            "seconds": values}


def one_submission(runs, otter_runs):
    """The one-submission figures: our command, `otter run`, the floor, and their ratios."""
    from autograder import reference_cache, rubric
    # As Gradescope's image holds them after setup.sh: the reference's results and the bytecode.
    spec = assignment.current()
    reference_cache.ensure()
    for folder in (ROOT / "autograder", spec.folder, spec.reference_dir):
        compileall.compile_dir(folder, quiet=1)
    upload = spec.examples / "complete"
    with tempfile.TemporaryDirectory(prefix=f"{spec.name}-bench-one-") as tmp:
        tmp = Path(tmp)
        (tmp / "otter-out").mkdir()
        otter_zip, notebook = otter_baseline.make_assignment(tmp)
        grade_one = [sys.executable, "-m", "autograder", "grade", str(upload), "--assignment", str(spec.folder)]
        commands = {
            "one_submission": grade_one + ["--out", str(tmp / "out")],  # lanes as the machine gives them
            "one_submission_one_lane": grade_one + ["--out", str(tmp / "out-1"), "--lanes", "1"],  # half a CPU's way
            "otter_run": otter_baseline.run_command(otter_zip, notebook, tmp / "otter-out"),
            "floor": [sys.executable, "-c", "import numpy"],
        }
        load_before = os.getloadavg()[0]
        time_in_turn(commands, {label: 1 for label in commands})  # warm-up: caches, bytecode, the disk
        seconds = time_in_turn(commands, {"one_submission": runs, "one_submission_one_lane": runs,
                                          "otter_run": otter_runs, "floor": runs})
        load_after = os.getloadavg()[0]
        ours = json.loads((tmp / "out" / "results.json").read_text())
        theirs = json.loads((tmp / "otter-out" / "results.json").read_text())
    figures = {label: spread(values) for label, values in seconds.items()}
    shown = f"python -m autograder grade {_shown(upload)} --out DIR"
    figures["one_submission"].update(command=shown, tests=len(rubric.load()), score=ours["score"],
                                     lanes=ours["extra_data"]["lanes"])
    figures["one_submission_one_lane"].update(command=shown + " --lanes 1", tests=len(rubric.load()), lanes=1)
    figures["otter_run"].update(command="otter run -a AUTOGRADER_ZIP -o DIR SUBMISSION.ipynb",
                                otter_version=_otter_version(), questions=len(otter_baseline.QUESTIONS),
                                tests=sum(len(q[2]) for q in otter_baseline.QUESTIONS),
                                score=sum(t.get("score", 0) for t in theirs["tests"]))
    figures["floor"]["command"] = 'python -c "import numpy"'
    figures["ratios"] = {
        "one_submission_to_floor": figures["one_submission"]["median"] / figures["floor"]["median"],
        "otter_run_to_one_submission": figures["otter_run"]["median"] / figures["one_submission"]["median"],
    }
    figures["load_average_1min"] = {"before": load_before, "after": load_after}
    return figures


def _otter_version():
    from importlib.metadata import version
    return version("otter-grader")


def profile_one(upload, repeats=3):
    """Grade one submission in this process: per-test seconds and the set-up share.

    Returns a dict: total (median seconds), tests (seconds per test id, median), and
    setup_share, the part of the run outside the tests (preparing the upload, starting the
    student's process, importing its modules).
    """
    from autograder import grade
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        _, timings = grade.grade(upload)
        runs.append((time.perf_counter() - start, timings))
    total = statistics.median(r[0] for r in runs)
    tests = {k: statistics.median(r[1][k] for r in runs) for k in runs[0][1]}
    return {"total": total, "tests": tests, "setup_share": max(0.0, 1 - sum(tests.values()) / total)}


def bench(size, jobs, repeats, runs, otter_runs):
    from autograder.batch.run import grade_class, read_state
    with tempfile.TemporaryDirectory(prefix=f"{assignment.current().name}-bench-") as tmp:
        submissions, reports = Path(tmp) / "class", Path(tmp) / "reports"
        submissions.mkdir()
        kinds = make_class(submissions, size)
        with open(os.devnull, "w") as quiet:
            start = time.perf_counter()
            tally = grade_class(submissions, reports, jobs=jobs, force=True, stream=quiet)
            wall = time.perf_counter() - start
        seconds = {student: read_state(reports / student)["seconds"] for student in kinds}
        student_memory = max(json.loads((reports / student / "results.json").read_text())["extra_data"]
                             ["student_peak_memory_mb"] for student in kinds)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # before otter's processes count in it
    by_kind = {}
    for student, kind in kinds.items():
        by_kind.setdefault(kind, []).append(seconds[student])
    correct = profile_one(assignment.current().examples / "complete", repeats)
    stub = profile_one(assignment.current().examples / "empty", repeats)
    one = one_submission(runs, otter_runs)
    floor = one["floor"]["median"]
    figures = {
        "size": size, "jobs": jobs, "wall_seconds": wall, "throughput_per_second": size / wall,
        "graded": len(tally.graded), "failed": len(tally.failed),
        "per_submission": {kind: {"median": statistics.median(v), "p95": percentile(v, 0.95), "count": len(v)}
                           for kind, v in sorted(by_kind.items())},
        "peak_memory_mb_per_worker": peak_kb / 1024,
        "peak_memory_mb_student_process": student_memory,
        "in_process": {"correct": correct, "stub": stub},
        "one_submission": one,
        "floor_import_numpy_seconds": floor,
        "ratio_median_correct_to_floor": statistics.median(by_kind["correct"]) / floor,
        "python": sys.version.split()[0], "cpus": os.cpu_count(),
    }
    return figures


def show(figures, previous):
    def line(label, key_path, unit="s"):
        value = figures
        old = previous
        for key in key_path:
            value = value[key]
            old = old.get(key) if isinstance(old, dict) else None
        was = f"   (was {old:.3f})" if isinstance(old, (int, float)) else ""
        print(f"  {label:<46} {value:8.3f} {unit}{was}")

    one = figures["one_submission"]
    load = one["load_average_1min"]
    print(f"{figures.get('assignment', '')} bench: one submission as Gradescope grades it, whole processes run in turn "
          f"(load average {load['before']:.2f} before, {load['after']:.2f} after)")
    for label, what in (("one_submission", f"{one['one_submission']['tests']} tests, "
                                           f"{one['one_submission'].get('lanes', 1)} lanes"),
                        ("one_submission_one_lane", f"{one['one_submission']['tests']} tests"),
                        ("otter_run", f"otter-grader {one['otter_run']['otter_version']}, "
                                      f"{one['otter_run']['questions']} questions, {one['otter_run']['tests']} tests"),
                        ("floor", "")):
        print(f"  {one[label]['command']}" + (f" ({what})" if what else ""))
        line(f"{label}: median", ("one_submission", label, "median"))
        line(f"{label}: p95 of {one[label]['runs']} runs", ("one_submission", label, "p95"))
    line("one submission / floor", ("one_submission", "ratios", "one_submission_to_floor"), "x")
    line("otter run / one submission", ("one_submission", "ratios", "otter_run_to_one_submission"), "x")
    print(f"{figures.get('assignment', '')} bench: {figures['size']} submissions, {figures['jobs']} workers, "
          f"Python {figures['python']}")
    for kind in figures["per_submission"]:
        line(f"{kind}: median per submission", ("per_submission", kind, "median"))
        line(f"{kind}: p95 per submission", ("per_submission", kind, "p95"))
    line("class wall time", ("wall_seconds",))
    line("throughput", ("throughput_per_second",), "submissions/s")
    line("peak memory per worker (grader)", ("peak_memory_mb_per_worker",), "MB")
    line("peak memory of a student's process", ("peak_memory_mb_student_process",), "MB")
    line("median correct / floor", ("ratio_median_correct_to_floor",), "x")
    for kind in ("correct", "stub"):
        line(f"in process, {kind}: one grading run", ("in_process", kind, "total"))
        line(f"in process, {kind}: share outside tests (start-up, imports)", ("in_process", kind, "setup_share"),
             "")
    tests = figures["in_process"]["correct"]["tests"]
    print("  slowest tests on a correct submission:")
    for name, seconds in sorted(tests.items(), key=lambda kv: -kv[1])[:8]:
        print(f"    {name:<44} {seconds * 1000:7.1f} ms")


def main(argv=None):
    from autograder import single_threaded_blas
    single_threaded_blas()  # as `make grade` runs
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=500, help="submissions in the class (default 500)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--repeats", type=int, default=5, help="in-process profile runs (default 5)")
    parser.add_argument("--runs", type=int, default=15,
                        help="whole-process runs of the one-submission command and of the floor (default 15)")
    parser.add_argument("--otter-runs", type=int, default=5, help="runs of `otter run` (default 5)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench", help="folder for latest.json (default bench/)")
    assignment.add_option(parser)
    args = parser.parse_args(argv)
    spec = assignment.use(args.assignment)
    figures = {**bench(args.size, args.jobs, args.repeats, args.runs, args.otter_runs), "assignment": spec.name}
    args.out.mkdir(parents=True, exist_ok=True)
    latest, previous_path = args.out / "latest.json", args.out / "previous.json"
    previous = json.loads(latest.read_text()) if latest.exists() else {}
    if latest.exists():
        os.replace(latest, previous_path)
    latest.write_text(json.dumps(figures, indent=1) + "\n")
    show(figures, previous)
    print(f"figures written to {latest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
