"""Shared fixtures: the reference package gradlab from solutions/ is importable in tests."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The reference gradlab (solutions/gradlab) and the tests' own numerical differences
# (tests/reference/numdiff.py), independent of gradlab.
sys.path.insert(0, str(ROOT / "solutions"))
sys.path.insert(0, str(ROOT / "tests" / "reference"))
