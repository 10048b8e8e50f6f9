"""A fresh clone needs nothing beside it: no tracked file reaches outside the repository."""
import subprocess

from mutate import ROOT
from results_schema import SCHEMA, SCHEMA_PATH

# Ways a file could point beside the clone (the project once read its schema from a folder beside it).
# (This file names them, so it is not searched.)
# Spelled in pieces so that this file itself never reads as reaching outside.
SHARED = "sha" + "red"
OUTSIDE = (f"../{SHARED}", f'parent / "{SHARED}"', f"parent / '{SHARED}'", "ROOT" + ".parent", "/wo" + "rk/")
TEXT_SUFFIXES = (".py", ".toml", ".sh", ".md", ".json", ".cfg", ".ini", "")


def _tracked_text_files():
    names = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.split()
    for name in names:
        path = ROOT / name
        if name != "tests/test_self_contained.py" and path.is_file() and path.suffix in TEXT_SUFFIXES \
                and path.stat().st_size < 2_000_000:
            yield name, path.read_text(encoding="utf-8", errors="replace")


def test_no_file_points_outside_the_repository():
    offenders = [(name, marker) for name, text in _tracked_text_files() for marker in OUTSIDE if marker in text]
    assert offenders == []


def test_the_results_schema_lives_in_the_repository():
    assert SCHEMA_PATH.is_relative_to(ROOT / "tests")
    assert SCHEMA["title"] == "Gradescope autograder results.json"
    assert set(SCHEMA["$defs"]["visibility"]["enum"]) == {"hidden", "after_due_date", "after_published", "visible"}
