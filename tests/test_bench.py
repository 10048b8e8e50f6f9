"""`make bench` runs on a small class and writes its figures (speed itself is not asserted here)."""
import json
import subprocess
import sys

from mutate import ROOT


def test_bench_runs_on_a_small_class_and_writes_json(tmp_path):
    done = subprocess.run([sys.executable, "-m", "tools.bench", "--size", "5", "--jobs", "2", "--repeats", "1",
                           "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    figures = json.loads((tmp_path / "latest.json").read_text())
    assert figures["size"] == 5 and figures["graded"] == 5
    assert {"correct", "stub", "hostile"} <= set(figures["per_submission"])
    assert figures["floor_import_numpy_seconds"] > 0
    assert figures["peak_memory_mb_per_worker"] > 0 and figures["peak_memory_mb_student_process"] > 0
    assert figures["in_process"]["correct"]["tests"]
    assert "median per submission" in done.stdout and "floor" in done.stdout
