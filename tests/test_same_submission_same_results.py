"""The same submission gets the same results.json, but for its two measurements, in every
assignment (a numpy warning that names the student's file once carried the sandbox's random
folder name)."""
import json
import subprocess
import sys

import pytest

from mutate import ROOT

UPLOADS = {"gradlab": ROOT / "examples" / "submissions" / "backprop_mistakes.zip",
           "dropnorm": ROOT / "assignments" / "dropnorm" / "examples" / "submissions" / "backprop_mistakes.zip"}


def graded(name, out):
    subprocess.run([sys.executable, "-m", "autograder", "grade", "--assignment", name, str(UPLOADS[name]),
                    "--out", str(out)], cwd=ROOT, check=True, capture_output=True, timeout=300)
    document = json.loads((out / "results.json").read_text())
    document.pop("execution_time")
    document["extra_data"].pop("student_peak_memory_mb")
    return document


@pytest.mark.parametrize("name", sorted(UPLOADS))
def test_two_gradings_of_one_upload_agree(tmp_path, name):
    first, second = graded(name, tmp_path / "first"), graded(name, tmp_path / "second")
    assert first == second
    assert "-sandbox-" not in first["extra_data"]["student_output"]
