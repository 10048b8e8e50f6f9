"""The rubric: points, visibility and tags of every test, as the checks declare them (@check) with
the assignment's rubric.toml as the override."""
from dataclasses import asdict, dataclass
from pathlib import Path

from . import assignment, reference_cache

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
FIELDS = ("points", "visibility", "functions", "name", "seconds")
SECONDS = 0.02  # a test's rough running time when neither its check nor rubric.toml gives one


@dataclass(frozen=True)
class RubricTest:
    """One test: id (its check's id), name, points, visibility, functions (the student
    functions it exercises, the graded one first) and seconds, its rough running time on a
    correct submission, which only spreads the tests over parallel lanes (lanes.py): it changes
    no score."""
    id: str
    name: str
    points: float
    visibility: str
    functions: tuple
    seconds: float = SECONDS


def parse_overrides(path):
    """The entries of a rubric.toml: dict test id -> dict of FIELDS it sets ({} if no file);
    raises ValueError naming the file on a malformed one."""
    import tomllib  # parsing takes milliseconds: grading reads the parsed rubric from reference_cache
    path = Path(path)
    if not path.is_file():
        return {}
    with open(path, "rb") as handle:
        table = tomllib.load(handle).get("tests", {})
    overrides = {}
    for test_id, entry in table.items():
        unknown = set(entry) - set(FIELDS)
        if unknown:
            raise ValueError(f"{path}: test {test_id}: unknown fields {sorted(unknown)} (known: {FIELDS})")
        overrides[test_id] = dict(entry)
    return overrides


def combine(declared, overrides, path="rubric.toml"):
    """The RubricTests of an assignment: what each check declares (dict id -> framework.Declared),
    with overrides (dict id -> fields, rubric.toml's) on top. Order: the overrides' file order,
    then the checks declared only in code, in registration order.

    Raises ValueError naming path and test on an entry without a check, or a test lacking points
    or functions, or with an unknown visibility."""
    unknown = [test_id for test_id in overrides if test_id not in declared]
    if unknown:
        raise ValueError(f"{path}: tests {unknown} have no check (@check) of that id")
    tests = []
    for test_id in list(overrides) + [i for i in declared if i not in overrides]:
        made = declared[test_id]
        fields = {key: getattr(made, key) for key in FIELDS if getattr(made, key) is not None}
        fields.update(overrides.get(test_id, {}))
        if "points" not in fields:
            raise ValueError(f"{path}: test {test_id}: no points (give points= in @check or an entry here)")
        test = RubricTest(test_id, fields.get("name", test_id), float(fields["points"]),
                          fields.get("visibility", "visible"), tuple(fields.get("functions", ())),
                          float(fields.get("seconds", SECONDS)))
        if test.visibility not in VISIBILITIES:
            raise ValueError(f"{path}: test {test_id}: visibility must be one of {VISIBILITIES}")
        if test.seconds <= 0:
            raise ValueError(f"{path}: test {test_id}: seconds must be > 0")
        if test.points < 0 or not test.functions:
            raise ValueError(f"{path}: test {test_id}: needs points >= 0 and at least one function")
        tests.append(test)
    return tests


def parse(spec=None):
    """The tests of an assignment (default the current one), computed now from its checks and rubric.toml."""
    spec = assignment.current() if spec is None else spec
    return combine(spec.checks(), parse_overrides(spec.rubric_file), spec.rubric_file)


def as_data(tests):
    """RubricTests as JSON data (a list of dicts); from_data is the inverse."""
    return [asdict(test) for test in tests]


def from_data(data):
    """RubricTests from as_data's list of dicts."""
    return [RubricTest(**{**item, "functions": tuple(item["functions"])}) for item in data]


def load(spec=None):
    """The tests of an assignment (default the current one), parsed once with parse() and kept by
    reference_cache."""
    spec = assignment.current() if spec is None else spec
    return from_data(reference_cache.entry("rubric", spec).values["tests"])


def total(tests):
    """The sum of the tests' points (the maximum score; not pinned to any number)."""
    return sum(test.points for test in tests)
