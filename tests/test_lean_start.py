"""`python -m autograder grade` loads only what grading needs, and starts the zygote before numpy."""
import json
import subprocess
import sys

from autograder import reference_cache
from mutate import ROOT

# Modules for writing reports, grading a class, parsing TOML or the other commands (adjusting
# scores, building the bundle, similarity): none is needed to grade one upload.
NOT_NEEDED = {"autograder.report.html", "autograder.report.plots", "autograder.report.plugins",
              "autograder.report.summary", "autograder.report.gradebook", "autograder.batch.run",
              "autograder.batch.pool", "multiprocessing", "tomllib", "difflib", "autograder.adjust",
              "autograder.gradescope.bundle", "autograder.similarity.command"}


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


def test_the_command_ends_with_its_files_and_output_and_leaves_nothing_running(tmp_path):
    # It skips the interpreter's teardown (os._exit): what it wrote and printed must all be there,
    # and the zygote, which holds the command's stderr, must end with it (communicate reads both
    # streams to their end, so it returns only once every process holding them has closed them).
    command = subprocess.Popen([sys.executable, "-m", "autograder", "grade",
                                str(ROOT / "examples" / "submissions" / "complete"), "--out", str(tmp_path)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = command.communicate(timeout=120)
    assert command.returncode == 0, err
    assert out.startswith(f"{ROOT / 'examples' / 'submissions' / 'complete'}: 100 / 100 in ") and out.endswith("\n")
    assert json.loads((tmp_path / "results.json").read_text())["score"] == 100
    assert (tmp_path / "report.md").read_text().startswith("#")
