"""The assignment's policy: the [policy] table of the rubric file (late, limits, leaderboard).

Every part is off unless its table is present. The keys (documented beside the rubric's own
comment in rubric.toml, and in docs/tas.md, "Policies"):

    [policy.late]            # a deduction after each student's own due date (Gradescope only)
    points_per_hour = 1      # or points_per_day; every started hour (day) counts
    max_deduction = 20       # the cap, in points
    grace_minutes = 0        # submissions this late count as on time
    after_late_due_date = "max_deduction"   # or "zero": the outcome past the late due date

    [policy.limits]          # graded submissions on Gradescope (at least one of the two)
    max_per_window = 5
    window_hours = 24
    max_total = 10

    [policy.leaderboard]     # results.json's leaderboard, from a test's measured runs
    test = "convergence.ring"  # required: the test whose runs' mean accuracy is shown
    training_time = false    # true: also the seconds its training took (varies from run to run)

This parser is separate from the test entries' (rubric.py): it reads only [policy].
"""
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LATE_OUTCOMES = ("max_deduction", "zero")


@dataclass(frozen=True)
class Late:
    """A late deduction: points per started unit (hours: 1 or 24) after the due date, capped."""
    points_per_unit: float
    unit_hours: int
    max_deduction: float
    grace_minutes: float = 0.0
    after_late_due_date: str = "max_deduction"


@dataclass(frozen=True)
class Limits:
    """Graded submissions allowed: max_per_window within window_hours, and/or max_total in all
    (None: no such limit)."""
    max_per_window: int = None
    window_hours: float = 24.0
    max_total: int = None


@dataclass(frozen=True)
class Leaderboard:
    """The leaderboard's source: the id of a test whose figures hold runs with an accuracy (see
    leaderboard.py), and whether the seconds the test took are a column too (off by default: a
    measurement, so two gradings of one submission would differ in it)."""
    test: str
    training_time: bool = False


@dataclass(frozen=True)
class Policy:
    """The parsed [policy] table; a part is None when its table is absent (off)."""
    late: Late = None
    limits: Limits = None
    leaderboard: Leaderboard = None


def _number(table, key, where, default=None, integer=False, positive=True):
    value = table.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise ValueError(f"{where}.{key} must be {'an integer' if integer else 'a number'}, not {value!r}")
    if not math.isfinite(value):  # nan or inf: no deduction, window or cap can be computed from it
        raise ValueError(f"{where}.{key} must be a finite number, not {value!r}")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{where}.{key} must be {'positive' if positive else 'at least 0'}, not {value!r}")
    return value


def _unknown(table, known, where):
    extra = sorted(set(table) - set(known))
    if extra:
        raise ValueError(f"{where} has unknown keys {extra}; known: {sorted(known)}")


def _late(table):
    where = "policy.late"
    _unknown(table, ("points_per_hour", "points_per_day", "max_deduction", "grace_minutes",
                     "after_late_due_date"), where)
    rates = [key for key in ("points_per_hour", "points_per_day") if key in table]
    if len(rates) != 1:
        raise ValueError(f"{where} needs exactly one of points_per_hour and points_per_day")
    outcome = table.get("after_late_due_date", "max_deduction")
    if outcome not in LATE_OUTCOMES:
        raise ValueError(f"{where}.after_late_due_date must be one of {LATE_OUTCOMES}, not {outcome!r}")
    if "max_deduction" not in table:
        raise ValueError(f"{where} needs max_deduction (the cap, in points)")
    return Late(_number(table, rates[0], where), 1 if rates[0] == "points_per_hour" else 24,
                _number(table, "max_deduction", where), _number(table, "grace_minutes", where, 0, positive=False),
                outcome)


def _limits(table):
    where = "policy.limits"
    _unknown(table, ("max_per_window", "window_hours", "max_total"), where)
    limits = Limits(_number(table, "max_per_window", where, integer=True),
                    _number(table, "window_hours", where, 24.0), _number(table, "max_total", where, integer=True))
    if limits.max_per_window is None and limits.max_total is None:
        raise ValueError(f"{where} needs max_per_window (with window_hours) or max_total")
    return limits


def _leaderboard(table):
    _unknown(table, ("test", "training_time"), "policy.leaderboard")
    test = table.get("test")
    if not isinstance(test, str) or not test:
        raise ValueError(f"policy.leaderboard needs test, the id of the test whose runs it shows (not {test!r})")
    timed = table.get("training_time", False)
    if not isinstance(timed, bool):
        raise ValueError(f"policy.leaderboard.training_time must be true or false, not {timed!r}")
    return Leaderboard(test, timed)


PARTS = {"late": _late, "limits": _limits, "leaderboard": _leaderboard}


def parse_table(table):
    """A Policy from the [policy] table (a dict); raises ValueError on an unknown or bad key."""
    if not isinstance(table, dict):
        raise ValueError("[policy] must be a table")
    _unknown(table, PARTS, "policy")
    for name, part in table.items():
        if not isinstance(part, dict):
            raise ValueError(f"policy.{name} must be a table")
    return Policy(**{name: PARTS[name](table[name]) for name in PARTS if name in table})


def table(path):
    """The [policy] table of a rubric file as JSON data (a dict), checked: raises ValueError
    (naming the file) when parse_table would."""
    import tomllib  # parsing takes milliseconds: grading reads the table from reference_cache
    with open(path, "rb") as handle:
        found = tomllib.load(handle).get("policy", {})
    try:
        parse_table(found)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None
    return found


@lru_cache(maxsize=8)
def _load(path, current):
    """The Policy of the rubric file at path; current: whether it is the current assignment's own,
    whose [policy] reference_cache keeps (keyed by both: the current assignment can change)."""
    from .. import reference_cache
    if current:
        if not Path(path).exists():
            return parse_table({})
        return parse_table(reference_cache.entry("policy").values["table"])
    return parse_table(table(path))


def load(path=None):
    """The Policy of a rubric file (default: the current assignment's rubric.toml, whose [policy] is
    parsed once, with table(), and kept by reference_cache). Raises ValueError on a malformed
    [policy] table."""
    from .. import assignment
    own = assignment.current().rubric_file.resolve()
    chosen = own if path is None else Path(path).resolve()
    return _load(str(chosen), chosen == own)
