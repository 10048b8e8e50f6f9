"""`make bench` runs on a small class and writes its figures (speed itself is not asserted here)."""
import json
import subprocess
import sys

import pytest

from autograder import lanes
from autograder.sandbox import Limits
from mutate import ROOT


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    """One small run of the benchmark: (its stdout, the figures it wrote)."""
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run([sys.executable, "-m", "tools.bench", "--size", "5", "--jobs", "2", "--repeats", "1",
                           "--runs", "2", "--otter-runs", "1", "--out", str(out)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout, json.loads((out / "latest.json").read_text())


def test_bench_runs_on_a_small_class_and_writes_json(bench):
    stdout, figures = bench
    assert figures["size"] == 5 and figures["graded"] == 5
    assert {"correct", "stub", "hostile"} <= set(figures["per_submission"])
    assert figures["floor_import_numpy_seconds"] > 0
    assert figures["peak_memory_mb_per_worker"] > 0 and figures["peak_memory_mb_student_process"] > 0
    assert figures["in_process"]["correct"]["tests"]
    assert "median per submission" in stdout and "floor" in stdout


def test_bench_times_one_submission_beside_otter_and_the_floor(bench):
    stdout, figures = bench
    one = figures["one_submission"]
    assert one["one_submission"]["runs"] == 2 and one["floor"]["runs"] == 2 and one["otter_run"]["runs"] == 1
    assert one["one_submission_one_lane"]["runs"] == 2 and one["one_submission_one_lane"]["lanes"] == 1
    assert one["one_submission"]["lanes"] == lanes.usable(Limits())
    for label in ("one_submission", "one_submission_one_lane", "otter_run", "floor"):
        assert 0 < one[label]["median"] <= one[label]["p95"], label
        assert len(one[label]["seconds"]) == one[label]["runs"]
    assert one["one_submission"]["command"] == "python -m autograder grade examples/submissions/complete --out DIR"
    assert one["one_submission"]["score"] == 100 and one["one_submission"]["tests"] > one["otter_run"]["tests"]
    assert one["otter_run"]["score"] == one["otter_run"]["tests"] == 6  # otter graded its own notebook in full
    assert figures["floor_import_numpy_seconds"] == one["floor"]["median"]
    ratios = one["ratios"]
    assert ratios["one_submission_to_floor"] == one["one_submission"]["median"] / one["floor"]["median"]
    assert ratios["otter_run_to_one_submission"] == one["otter_run"]["median"] / one["one_submission"]["median"]
    assert "otter run / one submission" in stdout and "one submission / floor" in stdout
