"""The side-by-side page of one pair: each module with shared code, the two files next to each
other, the shared code highlighted. Every text from an upload is escaped; each side shows at
most SHOWN characters of a module, so a page stays small whatever was uploaded."""
from ..report.html import esc, page
from .compare import MODULE_SHARE, shared_slices

SHOWN = 30_000  # characters of a module shown per side (the reference's longest is about 11,000)

STYLE = """<style>
body { max-width: 1600px; }
.sides { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 0.8em; }
.sides pre { white-space: pre; overflow-x: auto; max-height: 48em; margin: 0; }
mark { background: #ffcdd2; }
</style>"""


def highlighted(text, slices):
    """text as escaped HTML with the spans of slices (array of shape (2, S), start and end
    offsets) in <mark>; overlapping or unsorted spans are merged."""
    spans = sorted((int(s), int(e)) for s, e in zip(*slices)) if len(slices) and len(slices[0]) else []
    parts, done = [], 0
    for start, end in spans:
        start, end = max(start, done), min(end, len(text))
        if end <= start:
            continue
        parts += [esc(text[done:start]), "<mark>", esc(text[start:end]), "</mark>"]
        done = end
    parts.append(esc(text[done:]))
    return "".join(parts)


def _side(title, share, text, slices):
    shown, rest = text[:SHOWN], len(text) - SHOWN
    cut = f'<p class="muted">... {rest:,} more characters not shown (all were compared).</p>' if rest > 0 else ""
    return (f"<div><h3>{esc(title)}: {share:.0%} shared</h3>"
            f"<pre><code>{highlighted(shown, slices)}</code></pre>{cut}</div>")


def pair_page(pair, rank, label, memo=None):
    """The HTML page of a compare.Pair ranked rank; label(upload) names a side; memo: a dict
    kept across a class's pages (compare.shared_slices)."""
    a, b = pair.a.upload, pair.b.upload
    why = (f"the share of {esc(pair.module)}.py alone found in the other (one module shared at least "
           f"{MODULE_SHARE:.0%} sets the score; {pair.overall:.0%} of all the graded code)" if pair.module else
           "the larger of the two sides' shares of their graded code found in the other")
    body = [STYLE, f"<h1>Similarity #{rank}: {esc(label(a))} and {esc(label(b))}</h1>",
            f"<p>Score {pair.score:.0%}: {why} (names, strings and comments ignored; the handout's code never "
            "counts). The code is shown as "
            "compared: in canonical form (docstrings and no-op statements dropped, operands and independent "
            "statements reordered, reformatted). This page is a lead "
            "for a person to read, not a verdict; it changes no score.</p>",
            '<p><a href="../summary.html">Class summary</a></p>']
    for module, match in sorted(pair.matches.items()):
        slices_a, slices_b = shared_slices(pair.a.prints[module], pair.b.prints[module], memo)
        body += [f"<h2>{esc(module)}.py</h2>", '<div class="sides">',
                 _side(label(a), match.share_a, pair.a.prints[module].raw_code, slices_a),
                 _side(label(b), match.share_b, pair.b.prints[module].raw_code, slices_b), "</div>"]
    return page(f"Similarity #{rank}", "\n".join(body))
