"""The records reports draw: the typed contract between checks and reports, in one place.

A check measures; a report draws. What passes between them is a record: a small named tuple
that a check builds in the trusted grading process (Tester.record) and that travels in
results.json as plain JSON, in the `extra_data.records` list of the test that made it
(each record a dict with its `kind`). Reports read records only, through from_data(); they
never import checks or the reference. A record whose kind no report knows is kept and skipped.

Kinds:
- "gradient_check" (GradientCheck): the relative error of one analytic gradient against the
  reference, with the tolerance it was held to.
- "training_run" (TrainingRun): one training run: data set, seed, loss curves, training
  accuracies (the student's and the reference's) and the accuracy a run must reach.
- "decision_boundary" (DecisionBoundary): the classes a trained network predicts on a grid over
  a run's data (the student's and the reference's), with the data points, for a picture.

Non-finite numbers: results.json carries them as text ("nan", "inf"); from_data() reads such a
value back as float("nan") (an error) or keeps it for the plots to draw as missing (curves).

Size and speed: a decision boundary stores each grid row as a string of digits (one character
per grid point, classes 0 to 9: 10 kB for a 100 x 100 grid), its data points as one string
"x0 y0 x1 y1 ..." (three decimals: a dot on a picture 185 pixels wide) and their labels as one
string of digits. Few JSON values, then: every one costs time to write and to read. Four runs'
pictures (student's and reference's) add about 100 kB to results.json, well within its 1 MB bound.
"""
import collections
import math

import numpy as np

MAX_CLASSES = 10  # a grid cell is one digit
DIGITS = frozenset("0123456789")


def _number(value):
    """A float from results.json (a number, or text such as "nan"); nan when it is neither."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _json_float(value):
    """A float for JSON: non-finite numbers as text, as everywhere in results.json."""
    value = float(value)
    return value if math.isfinite(value) else str(value)


def _optional_float(value):
    return None if value is None else _number(value)


# Named tuples, not frozen dataclasses (as the harness's other records): this module loads at every
# start of the grader, where a dataclass's generated methods cost milliseconds to compile.
class GradientCheck(collections.namedtuple("GradientCheck", ("function", "where", "error", "tolerance"))):
    """One analytic gradient compared with the reference's.

    - function: str, the graded function (e.g. "affine_backward", "MLP.loss").
    - where: str, what was compared: a parameter's name ("dw", "W1") or a case's name.
    - error: float, the largest relative error over its entries (nan: not a finite number).
    - tolerance: float, the relative error the check accepts.
    """
    __slots__ = ()
    kind = "gradient_check"

    @property
    def passed(self):
        """Whether the error is within the tolerance (a non-finite error never is)."""
        return bool(self.error <= self.tolerance)

    def to_data(self):
        return {"kind": self.kind, "function": self.function, "where": self.where,
                "error": _json_float(self.error), "tolerance": float(self.tolerance)}

    @classmethod
    def from_data(cls, data):
        return cls(str(data["function"]), str(data["where"]), _number(data["error"]), _number(data["tolerance"]))


class TrainingRun(collections.namedtuple("TrainingRun", ("data", "seed", "loss", "reference_loss", "accuracy",
                                                         "reference_accuracy", "threshold"))):
    """One training run of the student's code beside the reference's on the same data and seed.

    - data: str, the data set's name; seed: int.
    - loss: list of floats (one per iteration), or None when the run returned no usable curve.
    - reference_loss: list of floats.
    - accuracy, reference_accuracy: floats, training accuracy after the run (None: not measured).
    - threshold: float, the training accuracy a run needs to pass.
    """
    __slots__ = ()
    kind = "training_run"

    @property
    def title(self):
        return f"{self.data}, seed {self.seed}"

    @property
    def passed(self):
        return self.accuracy is not None and bool(self.accuracy >= self.threshold)

    def to_data(self):
        return {"kind": self.kind, "data": self.data, "seed": int(self.seed),
                "loss": None if self.loss is None else [_json_float(v) for v in self.loss],
                "reference_loss": [_json_float(v) for v in self.reference_loss],
                "accuracy": None if self.accuracy is None else _json_float(self.accuracy),
                "reference_accuracy": None if self.reference_accuracy is None else _json_float(self.reference_accuracy),
                "threshold": float(self.threshold)}

    @classmethod
    def from_data(cls, data):
        loss = data.get("loss")
        return cls(str(data["data"]), int(data["seed"]), None if loss is None else list(loss),
                   list(data.get("reference_loss") or []), _optional_float(data.get("accuracy")),
                   _optional_float(data.get("reference_accuracy")), _number(data["threshold"]))


def classes_to_rows(classes):
    """A (H, W) array of classes 0..9 as H strings of W digits (row 0 first)."""
    classes = np.asarray(classes)
    if classes.ndim != 2 or classes.size and (classes.min() < 0 or classes.max() >= MAX_CLASSES):
        raise ValueError(f"a grid holds classes 0 to {MAX_CLASSES - 1} in two dimensions")
    digits = (classes.astype(np.uint8) + ord("0")).tobytes()
    width = classes.shape[1]
    return [digits[i * width:(i + 1) * width].decode("ascii") for i in range(classes.shape[0])]


def rows_to_classes(rows, shape):
    """The inverse of classes_to_rows: a read-only (H, W) int8 array; ValueError if rows do not fit shape."""
    text = "".join(rows)
    if len(rows) != shape[0] or len(text) != shape[0] * shape[1] or not set(text) <= DIGITS:
        raise ValueError(f"a grid of {shape[0]} rows of {shape[1]} digits was expected")
    classes = (np.frombuffer(text.encode("ascii"), np.uint8) - ord("0")).astype(np.int8).reshape(shape)
    classes.flags.writeable = False
    return classes


class DecisionBoundary(collections.namedtuple("DecisionBoundary", ("data", "seed", "extent", "size", "student",
                                                                   "reference", "points", "labels", "accuracy",
                                                                   "reference_accuracy"), defaults=(None, None))):
    """The classes two trained networks predict over a grid, the student's beside the reference's.

    - data: str, the data set's name; seed: int.
    - extent: tuple (x_min, x_max, y_min, y_max), the grid's corners in data coordinates.
    - size: int, grid points per side; point (i, j) is at x = linspace(x_min, x_max, size)[j],
      y = linspace(y_min, y_max, size)[i].
    - student: (size, size) int array of predicted classes, or None when the student's trained
      parameters could not be used (wrong shapes, not finite).
    - reference: (size, size) int array, the trained reference's predictions.
    - points: (n, 2) float array, the run's data; labels: (n,) int array, their classes.
    - accuracy, reference_accuracy: floats (or None), training accuracies, for the panel titles.
    """
    __slots__ = ()
    kind = "decision_boundary"

    @property
    def title(self):
        return f"{self.data}, seed {self.seed}"

    def grid(self):
        """The grid's coordinates: (xx, yy), each (size, size), as np.meshgrid makes them."""
        x_min, x_max, y_min, y_max = self.extent
        return np.meshgrid(np.linspace(x_min, x_max, self.size), np.linspace(y_min, y_max, self.size))

    def to_data(self):
        return {"kind": self.kind, "data": self.data, "seed": int(self.seed),
                "extent": [float(v) for v in self.extent], "size": int(self.size),
                "student": None if self.student is None else classes_to_rows(self.student),
                "reference": classes_to_rows(self.reference),
                "points": " ".join(f"{v:.3f}" for v in np.asarray(self.points, dtype=float).ravel().tolist()),
                "labels": classes_to_rows(np.asarray(self.labels).reshape(1, -1))[0],
                "accuracy": None if self.accuracy is None else _json_float(self.accuracy),
                "reference_accuracy": None if self.reference_accuracy is None else _json_float(self.reference_accuracy)}

    @classmethod
    def from_data(cls, data):
        size = int(data["size"])
        extent = tuple(float(v) for v in data["extent"])
        if size < 2 or len(extent) != 4 or not all(map(math.isfinite, extent)):
            raise ValueError("a decision boundary needs a grid of at least 2 x 2 points and a finite extent")
        points = np.array(str(data["points"]).split(), dtype=float).reshape(-1, 2)
        labels = rows_to_classes([str(data["labels"])], (1, len(points)))[0]
        student = data.get("student")
        return cls(str(data["data"]), int(data["seed"]), extent, size,
                   None if student is None else rows_to_classes(student, (size, size)),
                   rows_to_classes(data["reference"], (size, size)), points, labels,
                   _optional_float(data.get("accuracy")), _optional_float(data.get("reference_accuracy")))


KINDS = {record.kind: record for record in (GradientCheck, TrainingRun, DecisionBoundary)}


def to_data(record):
    """A record as plain JSON data (a dict with its kind)."""
    return record.to_data()


def from_data(data):
    """The record a dict of results.json holds; None if its kind is unknown or it is malformed
    (a report draws what it can read and never fails on one record)."""
    if not isinstance(data, dict) or data.get("kind") not in KINDS:
        return None
    try:
        return KINDS[data["kind"]].from_data(data)
    except (KeyError, TypeError, ValueError):
        return None


def of_test(test, kind=None):
    """The records of one test of a results document (of that kind, or every known kind)."""
    extra = test.get("extra_data") if isinstance(test, dict) else None
    found = extra.get("records", []) if isinstance(extra, dict) else []
    records = [from_data(data) for data in found or []]
    return [r for r in records if r is not None and (kind is None or r.kind == kind)]


def of_document(document, kind=None):
    """Every record of a results document, in test order: list of (test dict, record)."""
    return [(test, record) for test in document.get("tests", []) or [] for record in of_test(test, kind)]

