"""The rubric (rubric.toml): points, visibility and tags of every hidden test."""
from dataclasses import asdict, dataclass
from pathlib import Path

from . import reference_cache

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


def parse(path=RUBRIC):
    """The tests of a rubric file, in file order; raises ValueError on a malformed entry."""
    import tomllib  # parsing takes milliseconds: grading reads the parsed rubric from reference_cache
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


def as_data(tests):
    """RubricTests as JSON data (a list of dicts); from_data is the inverse."""
    return [asdict(test) for test in tests]


def from_data(data):
    """RubricTests from as_data's list of dicts."""
    return [RubricTest(**{**item, "functions": tuple(item["functions"])}) for item in data]


def load(path=RUBRIC):
    """The tests of a rubric file; the grader's own (the default) is parsed once, with parse(), and
    kept by reference_cache."""
    if Path(path) != RUBRIC:
        return parse(path)
    return from_data(reference_cache.entry("rubric").values["tests"])
