"""The rubric (rubric.toml): points, visibility and tags of every hidden test."""
import tomllib
from dataclasses import dataclass
from pathlib import Path

RUBRIC = Path(__file__).resolve().parent / "rubric.toml"
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


@dataclass(frozen=True)
class RubricTest:
    """One test: id (its check's name in autograder/checks), name, points, visibility, and
    functions, the student functions it exercises, the graded one first."""
    id: str
    name: str
    points: float
    visibility: str
    functions: tuple


def load(path=RUBRIC):
    """The tests of a rubric file, in file order; raises ValueError on a malformed entry."""
    with open(path, "rb") as handle:
        table = tomllib.load(handle).get("tests", {})
    tests = []
    for test_id, entry in table.items():
        test = RubricTest(test_id, entry.get("name", test_id), float(entry["points"]),
                          entry.get("visibility", "visible"), tuple(entry.get("functions", [])))
        if test.visibility not in VISIBILITIES:
            raise ValueError(f"{path}: test {test_id}: visibility must be one of {VISIBILITIES}")
        if test.points < 0 or not test.functions:
            raise ValueError(f"{path}: test {test_id}: needs points >= 0 and at least one function")
        tests.append(test)
    return tests
