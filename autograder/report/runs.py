"""The convergence runs of a results.json, recomputed in the trusted process for the report.

A run records its data set, seed and the parameters the student's training returned (plain
arrays). Here the same data are regenerated (deterministic), and the student's network is
evaluated on a grid with the reference's forward pass to draw its decision boundary beside
the trained reference's, whose predictions on the grid are computed once (reference_entries)
and kept by reference_cache. No student code is involved: the student's network is
the reference class with the student's numbers in it.
"""
from functools import lru_cache

import numpy as np

from .. import assignment, reference, reference_cache


class _Convergence:
    """The assignment's checks.convergence, imported on first use (a stopgap until the report reads
    typed records instead of the checks)."""
    def __getattr__(self, name):
        return getattr(assignment.current().import_part("checks.convergence"), name)


convergence = _Convergence()

HARD_CASES = ("ring", "three_modes")
GRID = 100  # grid points per side: a 100 x 100 image, drawn about 185 px wide (plots.decision_boundaries)
MARGIN = 0.5


def prewarm():
    """Load every reference result, and the report's views of them, in this process (forked
    workers inherit them)."""
    if assignment.current().import_part("checks.convergence") is None:
        return
    for _, name, seed in convergence.RUNS:
        if name in HARD_CASES:
            _reference_view(name, seed)


def _kind(params):
    return "MLP" if "W1" in params else "LinearClassifier"


def _student_model(ref, kind, seed, params):
    """The reference class holding the student's parameters, or None if they do not fit it."""
    model = convergence.new_model(ref, kind, seed)
    for name, value in model.params.items():
        try:
            got = np.asarray(params[name], dtype=float)  # non-finite numbers arrive as "nan"/"inf" text
        except (KeyError, TypeError, ValueError):
            return None
        if got.shape != value.shape or not np.all(np.isfinite(got)):
            return None
        model.params[name] = got
    return model


def _grid(X):
    low, high = X.min(axis=0) - MARGIN, X.max(axis=0) + MARGIN
    xs, ys = np.linspace(low[0], high[0], GRID), np.linspace(low[1], high[1], GRID)
    xx, yy = np.meshgrid(xs, ys)
    return xx, yy, np.stack([xx.ravel(), yy.ravel()], axis=1)


def _grid_name(name, seed):
    return f"boundary-{name}-{seed}"


def reference_entries():
    """The trained reference's predictions on every hard case's grid, for reference_cache:
    dict entry name -> Entry with the array "predictions" (GRID, GRID) of ints."""
    ref = reference.load(assignment.current())
    entries = {}
    for kind, name, seed in convergence.RUNS:
        if name in HARD_CASES:
            X, _ = convergence.data(ref, name, seed)
            xx, _, points = _grid(X)
            model, _ = convergence.train_reference(ref, kind, name, seed)
            with np.errstate(all="ignore"):
                predictions = model.predict(points).reshape(xx.shape)
            entries[_grid_name(name, seed)] = reference_cache.Entry({}, {"predictions": predictions})
    return entries


@lru_cache(maxsize=None)
def _reference_view(name, seed):
    """What a run's boundary panel shares with every student: the data, the grid and the trained
    reference's predictions on it (from reference_cache; read-only since they are shared).

    Returns: tuple (X, y, xx, yy, points (GRID * GRID, 2), reference predictions (GRID, GRID)).
    """
    X, y = convergence.data(reference.load(assignment.current()), name, seed)
    xx, yy, points = _grid(X)
    view = (X, y, xx, yy, points, reference_cache.entry(_grid_name(name, seed)).arrays["predictions"])
    for array in view:
        array.flags.writeable = False
    return view


def boundary(run):
    """Decision boundaries of one convergence run, the student's beside the reference's.

    Input:
    - run: dict from results.json extra_data figures["runs"]: data, seed, params, accuracy, ...

    Returns: dict with
    - title: str; X (n, 2) and y (n,): the run's data;
    - xx, yy: (GRID, GRID) grid coordinates;
    - student: (GRID, GRID) int predictions, or None if the parameters cannot be used;
    - reference: (GRID, GRID) int predictions of the trained reference;
    - accuracy, reference_accuracy: floats (or None).
    """
    name, seed, params = run["data"], int(run["seed"]), run.get("params") or {}
    kind = _kind(params)
    X, y, xx, yy, points, theirs = _reference_view(name, seed)
    student = _student_model(reference.load(assignment.current()), kind, seed, params)
    with np.errstate(all="ignore"):
        mine = student.predict(points).reshape(xx.shape) if student is not None else None
    return {"title": f"{name}, seed {seed}", "X": X, "y": y, "xx": xx, "yy": yy, "student": mine,
            "reference": theirs, "accuracy": run.get("accuracy"), "reference_accuracy": run.get("reference_accuracy")}


def all_runs(document):
    """Every convergence run of a results document: list of (test name, run dict)."""
    return [(test["name"], run) for test in document.get("tests", [])
            for run in test.get("extra_data", {}).get("figures", {}).get("runs", []) or [] if isinstance(run, dict)]


def hard_case_runs(document):
    """The convergence runs of a results document on the hard cases, in test order."""
    return [run for _, run in all_runs(document) if run.get("data") in HARD_CASES]
