"""The report's charts, written directly as SVG text (html.image embeds them as data: URIs).

Why not a plotting library: drawing one student's charts with matplotlib took longer than
grading the submission (~0.75 s of ~1.3 s). These charts are bars, polylines, a log axis and,
for decision regions, one small palette PNG each: a few lines of SVG that cost milliseconds.

Every coordinate is printed with fixed precision and nothing depends on time or randomness, so
the same data give the same bytes. All text is XML-escaped. Colours: pass green, fail red,
reference grey.
"""
import base64
import html
import math
import struct
import zlib

import numpy as np

PASS, FAIL, REFERENCE, WARN, INK = "#2e7d32", "#c62828", "#555555", "#f9a825", "#222222"
GRIDLINE, AXIS, HIST = "#e3e3e3", "#888888", "#1f5fa8"
REGIONS = ("#cfe0f5", "#f8d9c4")  # class 0, class 1 (light): the decision regions
POINTS = ("#1f5fa8", "#c4561b")   # class 0, class 1: the data points
FLOOR = 1e-17  # an exact match (relative error 0) is drawn at this height on the log scale
FONT = "system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"
CHAR = 0.6  # width of an average character, in font sizes (generous for sans-serif text)
_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r")  # not allowed in XML 1.0


def finite(value, default=None):
    """value as a float if it is a finite number (JSON keeps 'nan'/'inf' as text), else default."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) else default


# -- SVG primitives -------------------------------------------------------------------------------

def _n(value):
    """A coordinate with one decimal, without a useless '.0' (fixed precision: same bytes)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _pairs(xs, ys, template="%.1f %.1f", separator=" "):
    """Many points as text, template filled with each (x, y) (one decimal: same bytes), joined by
    separator. One %-format call for all of them: a chart has thousands of points."""
    flat = np.column_stack([xs, ys]).ravel().tolist()
    return separator.join([template] * (len(flat) // 2)) % tuple(flat)


def _floats(values):
    """A curve from a results document as a float array, nan where a value is missing or not a
    finite number (JSON keeps non-finite numbers as text such as "nan")."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        array = None
    if array is None or array.ndim != 1:
        array = np.array([finite(value, np.nan) for value in values], dtype=float)
    return np.where(np.isfinite(array), array, np.nan)


def _esc(text):
    """Text safe inside an XML element or attribute (html.escape's entities are XML's)."""
    return html.escape(str(text).translate(_CONTROL), quote=True)


def _svg(width, height, title, parts):
    """A standalone SVG document of width x height pixels; title is its accessible name."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" height="{_n(height)}" '
            f'viewBox="0 0 {_n(width)} {_n(height)}" role="img" font-family="{FONT}" font-size="11" fill="{INK}">\n'
            f"<title>{_esc(title)}</title>\n" + "\n".join(parts) + "\n</svg>\n")


def _text(x, y, text, anchor="start", size=None, fill=None, bold=False, rotate=False):
    """A line of text with its baseline at y; rotate turns it to read bottom-up (a y-axis label)."""
    attributes = [f'x="{_n(x)}" y="{_n(y)}"']
    if anchor != "start":
        attributes.append(f'text-anchor="{anchor}"')
    if size:
        attributes.append(f'font-size="{size}"')
    if fill:
        attributes.append(f'fill="{fill}"')
    if bold:
        attributes.append('font-weight="600"')
    if rotate:
        attributes.append(f'transform="rotate(-90 {_n(x)} {_n(y)})"')
    return f"<text {' '.join(attributes)}>{_esc(text)}</text>"


def _rect(x, y, width, height, fill, tip=None, extra=""):
    """A filled rectangle; tip becomes its tooltip (<title>)."""
    shape = (f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(max(width, 0))}" height="{_n(max(height, 0))}" '
             f'fill="{fill}"{extra}')
    return f"{shape}><title>{_esc(tip)}</title></rect>" if tip else shape + "/>"


def _line(x1, y1, x2, y2, stroke, width=1):
    return f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{stroke}" stroke-width="{width}"/>'


def _swatch(x, y, color, label, line=False):
    """A legend entry at (x, baseline y): a coloured square (or line) and its label; returns (parts, width)."""
    mark = _line(x, y - 4, x + 14, y - 4, color, 2) if line else _rect(x + 2, y - 9, 10, 10, color)
    return [mark, _text(x + 18, y, label)], 18 + len(label) * 11 * CHAR + 14


def _legend(x, y, entries):
    """A row of legend entries (color, label, is_line) starting at (x, baseline y).

    Returns: (parts, x where the row ends), so that a chart can be made wide enough for it.
    """
    parts = []
    for color, label, line in entries:
        drawn, width = _swatch(x, y, color, label, line)
        parts += drawn
        x += width
    return parts, x


def _text_width(labels, size):
    """Pixels the longest of labels needs at font size `size` (an estimate: no font metrics here)."""
    return max((len(str(label)) for label in labels), default=0) * size * CHAR


# -- scales and ticks -----------------------------------------------------------------------------

class Scale:
    """Maps data values in [low, high] to pixels in [start, end] (end < start for a y axis), on a
    linear or a log10 axis. Calling it on a number or an array returns pixels of the same shape."""

    def __init__(self, low, high, start, end, log=False):
        self.log = log
        self.low, self.high = (math.log10(low), math.log10(high)) if log else (low, high)
        self.start, self.end = start, end

    def __call__(self, value):
        value = np.log10(value) if self.log else np.asarray(value, dtype=float)
        return self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)


def nice_ticks(low, high, count=5, integer=False):
    """About count round values (steps of 1, 2 or 5 times a power of ten) from low to high, and the
    axis limits snapped outwards onto them.

    Returns: (ticks: list of floats, low, high).
    """
    if not high > low:
        low, high = low - 0.5, high + 0.5
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw * (1 - 1e-9))
    if integer:
        step = max(1.0, round(step))
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    ticks = [round(k * step, 12) for k in range(first, last + 1)]
    return ticks, ticks[0], ticks[-1]


def decade_ticks(low, high, most=7):
    """Whole decades covering [low, high] (both > 0), every k-th labelled so that at most `most` are.

    Returns: (exponents: list of ints, every decade; labelled: set of exponents; low, high snapped).
    """
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    last = max(last, first + 1)
    exponents = list(range(first, last + 1))
    every = math.ceil(len(exponents) / most)
    return exponents, {e for e in exponents if (e - last) % every == 0}, 10.0 ** first, 10.0 ** last


def _power(exponent):
    """1, 10 or 1e-8: a decade's label."""
    return {0: "1", 1: "10"}.get(exponent, f"1e{exponent}")


def _number(value):
    """A tick label: 0.2, 40, 1000."""
    return f"{value:g}"


def _x_axis(scale, ticks, top, bottom, label=None, labels=None):
    """Vertical grid lines at ticks from top to bottom, tick labels under bottom, then the axis label."""
    parts = []
    for tick in ticks:
        x = float(scale(tick))
        parts.append(_line(x, top, x, bottom, GRIDLINE))
        if labels is None or tick in labels:
            parts.append(_text(x, bottom + 13, labels[tick] if labels else _number(tick), "middle", 10))
    parts.append(_line(scale.start, bottom, scale.end, bottom, AXIS))
    if label:
        parts.append(_text((scale.start + scale.end) / 2, bottom + 28, label, "middle"))
    return parts


def _y_axis(scale, ticks, left, right, labels=None):
    """Horizontal grid lines at ticks from left to right, tick labels left of left."""
    parts = []
    for tick in ticks:
        y = float(scale(tick))
        parts.append(_line(left, y, right, y, GRIDLINE))
        if labels is None or tick in labels:
            parts.append(_text(left - 4, y + 3.5, labels[tick] if labels else _number(tick), "end", 10))
    parts.append(_line(left, scale.start, left, scale.end, AXIS))
    return parts


# -- the charts -----------------------------------------------------------------------------------

def _bars(rows, scale, left, top, row_height):
    """Horizontal bars from the axis' start, labelled on their left: rows of (label, value, color,
    tooltip); a label too long for the margin is shortened (the tooltip keeps it whole). Returns parts."""
    parts, fits = [], max(4, int((left - 12) / (10 * CHAR)))
    for index, (label, value, color, tip) in enumerate(rows):
        y = top + index * row_height
        shown = label if len(label) <= fits else label[:fits - 1] + "\u2026"
        parts.append(_text(left - 6, y + row_height / 2 + 3.5, shown, "end", 10))
        end = float(np.clip(scale(value), min(scale.start, scale.end), max(scale.start, scale.end)))
        parts.append(_rect(scale.start, y + 3, end - scale.start, row_height - 6, color, tip))
    return parts


def gradient_errors(rows):
    """Horizontal bars of relative errors on a log scale, one per checked parameter, with the
    tolerance of each marked by a black tick.

    Input:
    - rows: list of dicts with label (str), error (float, may be non-finite: drawn at 1), tolerance
      (float) and passed (bool).

    Returns: SVG text.
    """
    row_height, width = 18, 760
    left = min(360, 12 + _text_width([row["label"] for row in rows], 10))
    exponents, labelled, low, high = decade_ticks(FLOOR / 10, 10, most=10)
    scale = Scale(low, high, left, width - 16, log=True)
    top, bottom = 8, 8 + row_height * len(rows)
    bars = []
    for row in rows:
        error = finite(row["error"])
        shown = "not a finite number" if error is None else ("0 (exact)" if error == 0 else f"{error:.3g}")
        verdict = "within" if row["passed"] else "over"
        bars.append((row["label"], max(finite(row["error"], 1.0), FLOOR), PASS if row["passed"] else FAIL,
                     f"{row['label']}: relative error {shown}, {verdict} tolerance {row['tolerance']:.2g}"))
    parts = _x_axis(scale, [10.0 ** e for e in exponents], top, bottom, "relative error (log scale)",
                    {10.0 ** e: _power(e) for e in labelled})
    parts += _bars(bars, scale, left, top, row_height)
    for index, row in enumerate(rows):
        x, y = float(scale(row["tolerance"])), top + index * row_height
        parts.append(_line(x, y + 1, x, y + row_height - 1, "#000000", 2))
    legend, end = _legend(left, bottom + 46, [(PASS, "within tolerance", False), (FAIL, "over tolerance", False),
                                              ("#000000", "tolerance", True)])
    return _svg(max(width, end), bottom + 56, "Relative error of each gradient check, log scale", parts + legend)


def _decimate(index, values, columns):
    """At most two points per pixel column of a curve (its highest then lowest there where it falls
    across the column, else lowest then highest), so that a 1000-step curve costs a few hundred
    points and keeps its envelope.

    Inputs: index, values: (n,) arrays of one finite stretch; columns: (n,) int pixel columns.
    Returns: (x, y) arrays.
    """
    starts = np.flatnonzero(np.r_[True, columns[1:] != columns[:-1]])
    if len(starts) * 2 >= len(values):
        return index, values
    ends = np.r_[starts[1:], len(values)] - 1
    lows, highs = np.minimum.reduceat(values, starts), np.maximum.reduceat(values, starts)
    falling = values[starts] > values[ends]
    first, second = np.where(falling, highs, lows), np.where(falling, lows, highs)
    x = np.repeat(index[starts], 2).astype(float)
    x[1::2] = index[ends]
    return x, np.ravel(np.column_stack([first, second]))


def _curve(values, x_scale, y_scale, color):
    """A polyline through the finite values of a curve (broken where a value is not finite)."""
    index = np.arange(len(values))
    good = np.isfinite(values)
    if y_scale.log:
        good &= values > 0
    commands = []
    edges = np.flatnonzero(np.diff(np.r_[False, good, False].astype(np.int8)))
    for start, stop in zip(edges[::2], edges[1::2]):
        x, y = _decimate(index[start:stop], values[start:stop], np.floor(x_scale(index[start:stop])).astype(int))
        points = _pairs(x_scale(x), y_scale(y))
        commands.append(f"M{points}" if len(x) > 1 else f"M{points}h0.5")
    if not commands:
        return ""
    return (f'<path d="{" ".join(commands)}" fill="none" stroke="{color}" stroke-width="1.3" '
            f'stroke-linejoin="round" stroke-linecap="round"/>')


def _loss_panel(panel, x0, y0, width, height):
    """One run's loss curves in the box at (x0, y0) of width x height."""
    left, right, top, bottom = x0 + 50, x0 + width - 10, y0 + 22, y0 + height - 36
    reference = _floats(panel["reference_loss"])
    student = _floats(panel.get("loss") or [])
    values = np.concatenate([reference, student])
    values = values[np.isfinite(values)]
    length = max(len(reference), len(student), 2)
    ticks, _, last = nice_ticks(0, length - 1, 5, integer=True)  # 1000 iterations: 0 to 1000 by 200
    x_scale = Scale(0, last, left, right)
    parts = [_text((left + right) / 2, y0 + 13, panel["title"], "middle", 12, bold=True)]
    if len(values) and values.min() > 0:
        _, labelled, low, high = decade_ticks(values.min(), values.max(), most=5)
        y_scale = Scale(low, high, bottom, top, log=True)
        # Grid lines at labelled decades only: a diverging run can span 60 decades.
        parts += _y_axis(y_scale, [10.0 ** e for e in sorted(labelled)], left, right,
                         {10.0 ** e: _power(e) for e in labelled})
    else:
        y_ticks, low, high = nice_ticks(values.min(), values.max(), 4) if len(values) else nice_ticks(0, 1, 4)
        y_scale = Scale(low, high, bottom, top)
        parts += _y_axis(y_scale, y_ticks, left, right)
    parts += _x_axis(x_scale, ticks, top, bottom, "iteration")
    parts.append(_text(x0 + 12, (top + bottom) / 2, "loss", "middle", 10, rotate=True))
    parts.append(_curve(reference, x_scale, y_scale, REFERENCE))
    if np.isfinite(student).any():
        parts.append(_curve(student, x_scale, y_scale, FAIL if panel.get("failed") else PASS))
    else:
        parts.append(_text((left + right) / 2, (top + bottom) / 2, "no finite loss curve returned", "middle", 11, FAIL))
    return parts


def loss_curves(panels):
    """Loss curves of training runs, the student's beside the reference's, one panel per run
    (log scale when every loss is positive).

    Input:
    - panels: list of dicts with title (str), loss (list of floats or None), reference_loss
      (list of floats) and failed (bool: the run missed its accuracy target).

    Returns: SVG text.
    """
    columns = min(3, len(panels))
    rows = math.ceil(len(panels) / columns)
    width, height, legend = 310, 215, 24
    parts, end = _legend(50, 16, [(REFERENCE, "reference", True), (PASS, "yours (run passed)", True),
                                  (FAIL, "yours (run failed)", True)])
    for index, panel in enumerate(panels):
        row, column = divmod(index, columns)
        parts += _loss_panel(panel, column * width, legend + row * height, width, height)
    return _svg(max(columns * width, end), legend + rows * height,
                "Loss curves of the training runs, yours beside the reference's", parts)


def png(indices, palette):
    """A palette PNG (8 bits per pixel, no metadata: the same pixels give the same bytes).

    Inputs:
    - indices: (H, W) int array of palette indices, row 0 at the top.
    - palette: list of "#rrggbb" colours.

    Returns: bytes of the PNG file.
    """
    indices = np.clip(np.asarray(indices), 0, len(palette) - 1).astype(np.uint8)
    height, width = indices.shape
    raw = np.column_stack([np.zeros(height, np.uint8), indices]).tobytes()  # filter byte 0 per row

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    colours = bytes.fromhex("".join(colour.lstrip("#") for colour in palette))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0))
            + chunk(b"PLTE", colours) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _points(identifier, X, y, x_scale, y_scale):
    """<g id=identifier>: the data points as dots (a round-capped zero-length stroke each), white-rimmed."""
    xs, ys = x_scale(X[:, 0]), y_scale(X[:, 1])
    parts = [f'<g id="{identifier}" fill="none" stroke-linecap="round">',
             f'<path d="{_pairs(xs, ys, "M%.1f %.1fh0", "")}" stroke="#ffffff" stroke-width="6"/>']
    for label, colour in enumerate(POINTS):
        mine = y == label
        parts.append(f'<path d="{_pairs(xs[mine], ys[mine], "M%.1f %.1fh0", "")}" stroke="{colour}" '
                     'stroke-width="4.4"/>')
    return "\n".join(parts) + "</g>"


def decision_boundaries(panels):
    """Decision regions of the student's network beside the reference's, on each run's data.

    Input:
    - panels: list of dicts from html.boundary_panel (title, X, y, xx, yy, student, reference,
      accuracy, reference_accuracy).

    Returns: SVG text: two runs per row, each as a (yours, reference) pair; the regions are
    embedded PNGs (one pixel per grid point) under the data points.
    """
    pairs_per_row = min(2, len(panels))
    rows = math.ceil(len(panels) / pairs_per_row)
    side, gap, pair_gap, header, legend = 185, 10, 30, 40, 44
    pair_width = 2 * side + gap
    parts = []
    for index, panel in enumerate(panels):
        row, column = divmod(index, pairs_per_row)
        x0, y0 = column * (pair_width + pair_gap), row * (side + header + 8)
        xx, yy = panel["xx"], panel["yy"]
        span_x, span_y = xx.max() - xx.min(), yy.max() - yy.min()
        size = side / max(span_x, span_y)  # equal aspect: one data unit is as long on both axes
        width, height = span_x * size, span_y * size
        x_scale = Scale(xx.min(), xx.max(), 0, width)
        y_scale = Scale(yy.min(), yy.max(), height, 0)
        dots = f"points{index}"
        parts.append(_text(x0 + pair_width / 2, y0 + 14, panel["title"], "middle", 12, bold=True))
        parts.append(f"<defs>{_points(dots, panel['X'], np.asarray(panel['y']), x_scale, y_scale)}</defs>")
        for slot, (who, regions, accuracy) in enumerate((("yours", panel["student"], panel["accuracy"]),
                                                         ("reference", panel["reference"],
                                                          panel["reference_accuracy"]))):
            left = x0 + slot * (side + gap) + (side - width) / 2
            top = y0 + header + (side - height) / 2
            score = finite(accuracy)
            parts.append(_text(left + width / 2, y0 + header - 6, who + (f": {score:.0%}" if score is not None else ""),
                               "middle", 11))
            if regions is not None:
                image = base64.b64encode(png(np.asarray(regions)[::-1], REGIONS)).decode("ascii")
                parts.append(f'<image x="{_n(left)}" y="{_n(top)}" width="{_n(width)}" height="{_n(height)}" '
                             f'preserveAspectRatio="none" href="data:image/png;base64,{image}"/>')
            else:
                parts.append(_rect(left, top, width, height, "#f2f2f2"))
                parts.append(_text(left + width / 2, top + height / 2, "no usable parameters", "middle", 11, FAIL))
            parts.append(f'<use href="#{dots}" x="{_n(left)}" y="{_n(top)}"/>')
            parts.append(_rect(left, top, width, height, "none", extra=f' stroke="{AXIS}"'))
    total_height = rows * (side + header + 8) + legend
    entries, x = [], 4
    for label, (region, point) in enumerate(zip(REGIONS, POINTS)):
        entries += [_rect(x, total_height - 35, 14, 14, region, extra=f' stroke="{AXIS}" stroke-width="0.5"'),
                    f'<path d="M{_n(x + 7)} {_n(total_height - 28)}h0" stroke="{point}" stroke-width="4.4" '
                    f'stroke-linecap="round"/>',
                    _text(x + 20, total_height - 24, f"class {label}")]
        x += 80
    entries.append(_text(4, total_height - 4, "dots: the run's data; shading: the class the network predicts there",
                         size=10, fill=REFERENCE))
    width = pairs_per_row * pair_width + (pairs_per_row - 1) * pair_gap
    return _svg(width, total_height,
                "Decision boundaries of your network beside the reference's, per data set and seed", parts + entries)


def score_histogram(totals, maximum):
    """Histogram of the class's total scores (bins of 5% of the maximum).

    Inputs:
    - totals: list of floats.
    - maximum: float, the highest possible score.

    Returns: SVG text.
    """
    width, height, left, right, top, bottom = 660, 270, 52, 644, 12, 226
    edges = np.linspace(0, maximum, 21)
    counts, _ = np.histogram(totals, bins=edges)
    y_ticks, _, y_high = nice_ticks(0, max(int(counts.max()), 1), 5, integer=True)
    x_ticks, _, _ = nice_ticks(0, maximum, 5)
    x_scale, y_scale = Scale(0, maximum, left, right), Scale(0, y_high, bottom, top)
    parts = _y_axis(y_scale, y_ticks, left, right) + _x_axis(x_scale, [t for t in x_ticks if t <= maximum], top,
                                                             bottom, "total score")
    parts.append(_text(14, (top + bottom) / 2, "students", "middle", 11, rotate=True))
    for count, low, high in zip(counts, edges[:-1], edges[1:]):
        if count:
            x, y = float(x_scale(low)), float(y_scale(count))
            parts.append(_rect(x + 0.5, y, float(x_scale(high)) - x - 1, bottom - y, HIST,
                               f"{low:.4g} to {high:.4g}: {count} student{'' if count == 1 else 's'}"))
    return _svg(width, height, "Histogram of the class's total scores", parts)


def pass_rates(labels, rates):
    """Horizontal bars: the fraction of graded students who passed each test (green from 80%,
    amber from 50%, red below).

    Inputs:
    - labels: list of test names; rates: list of floats in [0, 1].

    Returns: SVG text.
    """
    row_height, width = 16, 760
    left = min(420, 12 + _text_width(labels, 10))
    top, bottom = 8, 8 + row_height * len(labels)
    scale = Scale(0, 1, left, width - 46)
    colours = [PASS if rate >= 0.8 else (WARN if rate >= 0.5 else FAIL) for rate in rates]
    parts = _x_axis(scale, [k / 5 for k in range(6)], top, bottom, "fraction of students passing",
                    {k / 5: f"{k * 20}%" for k in range(6)})
    parts += _bars([(label, rate, colour, f"{label}: {rate:.0%} passed")
                    for label, rate, colour in zip(labels, rates, colours)], scale, left, top, row_height)
    parts += [_text(width - 4, top + index * row_height + row_height / 2 + 3.5, f"{rate:.0%}", "end", 10)
              for index, rate in enumerate(rates)]
    return _svg(width, bottom + 38, "Pass rate of every test", parts)
