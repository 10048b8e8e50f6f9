"""Shared fixtures: the reference package gradlab from solutions/ is importable in tests, and every
test ends with the assignment it started with."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The reference gradlab (solutions/gradlab) and the tests' own numerical differences
# (tests/reference/numdiff.py), independent of gradlab.
sys.path.insert(0, str(ROOT / "solutions"))
sys.path.insert(0, str(ROOT / "tests" / "reference"))

import pytest  # noqa: E402 - after the paths above, which the imports below need

from autograder import assignment  # noqa: E402


@pytest.fixture(autouse=True)
def _assignment_restored():
    """Every test ends with the assignment it started with: a tool's main() run in-process (the
    generators, the mutation runner) makes its --assignment the process's current one."""
    before = assignment.current()
    yield
    assignment.use(before)
