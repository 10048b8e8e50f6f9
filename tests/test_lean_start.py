"""`python -m autograder grade` loads only what grading needs, and starts the zygote before numpy."""
import subprocess
import sys

from autograder import reference_cache
from mutate import ROOT

# Modules for writing reports, grading a class or parsing TOML: none is needed to grade one upload.
NOT_NEEDED = {"autograder.report.html", "autograder.report.plots", "autograder.report.plugins",
              "autograder.report.summary", "autograder.report.gradebook", "autograder.batch.run",
              "autograder.batch.pool", "multiprocessing", "tomllib", "difflib"}


def test_grading_one_submission_loads_only_what_grading_needs(tmp_path):
    reference_cache.ensure()  # as shipped: a stale cache is rebuilt, which needs the report's module
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "autograder", "grade",
                           str(ROOT / "examples" / "submissions" / "complete"), "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    # importtime prints one line per module as its import ends, in that order.
    loaded = [line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert {"autograder.grade", "autograder.checks", "autograder.reference_cache", "numpy"} <= set(loaded)
    assert not set(loaded) & NOT_NEEDED
    # The zygote starts as soon as spawner is loaded, before this process imports numpy.
    assert loaded.index("autograder.sandbox.spawner") < min(i for i, name in enumerate(loaded)
                                                           if name.split(".")[0] == "numpy")
