"""The report's charts, drawn with matplotlib's Agg backend and returned as base64 PNG text.

Figures are made with matplotlib.figure.Figure directly (no pyplot, so no global state), with
fixed sizes and no timestamps in the PNG: the same data give the same image.
"""
import base64
import io
import math

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, NullLocator

DPI = 80
PASS, FAIL, REFERENCE = "#2e7d32", "#c62828", "#555555"
REGIONS = ListedColormap(["#cfe0f5", "#f8d9c4"])  # class 0, class 1 (light)
POINTS = ListedColormap(["#1f5fa8", "#c4561b"])
FLOOR = 1e-17  # an exact match (relative error 0) is drawn at this height on the log scale


def _figure(width, height, **margins):
    """A figure with fixed margins (in fractions; a layout engine would triple the drawing time)."""
    figure = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.subplots_adjust(**margins)
    return figure


def _label_margin(labels, width, fontsize):
    """Left margin (fraction of the width) that fits the longest y tick label."""
    longest = max((len(label) for label in labels), default=0)
    return min(0.6, (0.15 + longest * fontsize * 0.55 / 72) / width)


def to_base64(figure):
    """The figure as base64-encoded PNG text, for an <img src="data:image/png;base64,...">."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def finite(value, default=None):
    """value as a float if it is a finite number (JSON keeps 'nan'/'inf' as text), else default."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) else default


def gradient_errors(rows):
    """Horizontal bars of relative errors on a log scale, one per checked parameter.

    Input:
    - rows: list of dicts with label (str), error (float, may be non-finite), tolerance (float)
      and passed (bool).

    Returns: base64 PNG.
    """
    height = 0.9 + 0.24 * len(rows)
    figure = _figure(7.5, height, left=_label_margin([row["label"] for row in rows], 7.5, 8), right=0.97,
                     top=1 - 0.15 / height, bottom=0.6 / height)
    axes = figure.add_subplot()
    heights = [max(finite(row["error"], 1.0), FLOOR) for row in rows]
    positions = np.arange(len(rows))[::-1]
    axes.barh(positions, heights, color=[PASS if row["passed"] else FAIL for row in rows], height=0.7, log=True)
    for position, row in zip(positions, rows):
        axes.plot([row["tolerance"]] * 2, [position - 0.4, position + 0.4], color="black", linewidth=1.5)
    axes.set_yticks(positions, [row["label"] for row in rows], fontsize=8)
    axes.set_xlim(FLOOR / 2, 10)
    axes.set_xlabel("relative error (log scale); black tick: tolerance; green: within it")
    axes.grid(axis="x", alpha=0.3)
    return to_base64(figure)


def loss_curves(panels):
    """Loss curves of training runs, the student's beside the reference's, one panel per run.

    Input:
    - panels: list of dicts with title (str), loss (list of floats or None) and reference_loss
      (list of floats).

    Returns: base64 PNG.
    """
    columns = min(3, len(panels))
    rows = math.ceil(len(panels) / columns)
    figure = _figure(3.3 * columns, 2.6 * rows, left=0.07, right=0.98, top=1 - 0.3 / (2.6 * rows),
                     bottom=0.45 / (2.6 * rows), wspace=0.3, hspace=0.45)
    for index, panel in enumerate(panels):
        axes = figure.add_subplot(rows, columns, index + 1)
        reference = [finite(v, np.nan) for v in panel["reference_loss"]]
        axes.plot(reference, color=REFERENCE, linewidth=1, label="reference")
        values = reference
        if panel.get("loss"):
            student = [finite(v, np.nan) for v in panel["loss"]]
            axes.plot(student, color=FAIL if panel.get("failed") else PASS, linewidth=1, label="yours")
            values = values + student
        else:
            axes.text(0.5, 0.5, "no finite loss curve returned", transform=axes.transAxes, ha="center",
                      color=FAIL, fontsize=9)
        if np.nanmin(values) > 0:
            axes.set_yscale("log")
            axes.yaxis.set_major_locator(LogLocator(numticks=5))
            axes.yaxis.set_minor_locator(NullLocator())
        axes.set_title(panel["title"], fontsize=9)
        axes.set_xlabel("iteration", fontsize=8)
        axes.tick_params(labelsize=7)
        axes.legend(fontsize=7)
    return to_base64(figure)


def decision_boundaries(panels):
    """Decision regions of the student's network beside the reference's, on each run's data.

    Input:
    - panels: list of dicts from runs.boundary (title, X, y, xx, yy, student, reference,
      accuracy, reference_accuracy).

    Returns: base64 PNG: two runs per row, each as a (yours, reference) pair.
    """
    pairs_per_row = min(2, len(panels))
    rows = math.ceil(len(panels) / pairs_per_row)
    figure = _figure(2.7 * 2 * pairs_per_row, 2.8 * rows, left=0.02, right=0.98, top=1 - 0.45 / (2.8 * rows),
                     bottom=0.02, wspace=0.08, hspace=0.3)
    for index, panel in enumerate(panels):
        for side, (who, regions, accuracy) in enumerate((("yours", panel["student"], panel["accuracy"]),
                                                         ("reference", panel["reference"],
                                                          panel["reference_accuracy"]))):
            axes = figure.add_subplot(rows, 2 * pairs_per_row, 2 * index + side + 1)
            if regions is not None:
                axes.contourf(panel["xx"], panel["yy"], regions, levels=[-0.5, 0.5, 1.5], cmap=REGIONS)
            else:
                axes.text(0.5, 0.5, "no usable parameters", transform=axes.transAxes, ha="center", color=FAIL,
                          fontsize=9)
            axes.scatter(panel["X"][:, 0], panel["X"][:, 1], c=panel["y"], cmap=POINTS, s=6, linewidths=0)
            score = finite(accuracy)
            suffix = f": {score:.0%}" if score is not None else ""
            axes.set_title(f"{panel['title']}\n{who}{suffix}", fontsize=8)
            axes.set_xticks([])
            axes.set_yticks([])
            axes.set_aspect("equal")
    return to_base64(figure)


def score_histogram(totals, maximum):
    """Histogram of the class's total scores (bins of 5% of the maximum).

    Inputs:
    - totals: list of floats.
    - maximum: float, the highest possible score.

    Returns: base64 PNG.
    """
    figure = _figure(6.5, 2.8, left=0.1, right=0.97, top=0.95, bottom=0.18)
    axes = figure.add_subplot()
    axes.hist(totals, bins=np.linspace(0, maximum, 21), color="#1f5fa8", edgecolor="white")
    axes.set_xlim(0, maximum)
    axes.set_xlabel("total score")
    axes.set_ylabel("students")
    axes.yaxis.get_major_locator().set_params(integer=True)
    return to_base64(figure)


def pass_rates(labels, rates):
    """Horizontal bars: the fraction of graded students who passed each test.

    Inputs:
    - labels: list of test names; rates: list of floats in [0, 1].

    Returns: base64 PNG.
    """
    height = 0.9 + 0.2 * len(labels)
    figure = _figure(7.5, height, left=_label_margin(labels, 7.5, 7), right=0.97, top=1 - 0.15 / height,
                     bottom=0.6 / height)
    axes = figure.add_subplot()
    positions = np.arange(len(labels))[::-1]
    colors = [PASS if rate >= 0.8 else ("#f9a825" if rate >= 0.5 else FAIL) for rate in rates]
    axes.barh(positions, rates, color=colors, height=0.7)
    axes.set_yticks(positions, labels, fontsize=7)
    axes.set_xlim(0, 1)
    axes.set_xlabel("fraction of students passing")
    axes.grid(axis="x", alpha=0.3)
    return to_base64(figure)
