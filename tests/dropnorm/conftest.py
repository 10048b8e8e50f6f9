"""The dropnorm reference (assignments/dropnorm/solutions/dropnorm) is importable in these tests."""
import sys
from pathlib import Path

SOLUTIONS = Path(__file__).resolve().parents[2] / "assignments" / "dropnorm" / "solutions"
sys.path.insert(0, str(SOLUTIONS))
