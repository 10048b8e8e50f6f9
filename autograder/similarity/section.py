"""The similarity section of summary.html, drawn from OUT/similarity.json alone (so the summary
page never needs copydetect). Every text from an upload is escaped."""
import json
from pathlib import Path

from ..report.html import esc, table

JSON = "similarity.json"
PAGES = "similarity"
KINDS = {"student": "", "reference": "", "archive": " (earlier term)"}
ROWS = 50  # pairs (and notes) shown in summary.html; the index page shows every pair listed
MAX_NOTES = 1000  # notes on the uploads listed on the index page (every one is in similarity.json)


def _name(name, kind):
    return esc(name + KINDS.get(kind, ""))


def _modules(pair):
    """A pair's modules and shares as shown, first the module that set the score when one did."""
    shares = ", ".join(f"{m} {s['a']:.0%}/{s['b']:.0%}" for m, s in pair["modules"].items())
    if pair.get("module"):
        return f"score set by {pair['module']}.py ({pair['overall']:.0%} of all the code); {shares}"
    return shares


def body(doc, link, rows=None):
    """The section's HTML for a similarity.json document.

    - link: str, the prefix of the views' paths relative to the page.
    - rows: int, the number of pairs shown (None: every pair the document lists).
    """
    settings, pairs, flagged = doc["settings"], doc["pairs"], doc["flagged"]
    shown = pairs[:rows]
    parts = ["<h2>Similarity</h2>",
             f"<p>{doc['compared']['students']} submissions compared in pairs and with the reference solution"
             f"{' and earlier terms' if doc['compared']['others'] > 1 else ''} ({doc['compared']['pairs']} pairs, "
             f"{doc['seconds']:.1f} s); the handout's code never counts. {flagged} pairs score at least "
             f"{settings['threshold']:.0%}" + (f"; the highest below scores {doc['highest_unflagged']:.0%}"
                                                 if doc["highest_unflagged"] is not None else "")
             + ". A score is a lead for a person to read, not a verdict; it changes no grade.</p>"]
    if shown:
        cells = [[str(p["rank"]), esc(p["a"]), _name(p["b"], p["b_kind"]), f"{p['score']:.0%}",
                  esc(_modules(p)),
                  f'<a href="{esc(link + p["view"].split("/", 1)[1])}">side by side</a>' if p["view"] else "–"]
                 for p in shown]
        parts.append(table(["#", "Student", "Shares code with", "Score", "Modules (shares of each side)", "View"],
                           cells, numeric=(0, 3)))
    if len(shown) < len(pairs):
        parts.append(f'<p class="muted">The {len(shown)} highest are shown here; the '
                     f'<a href="{esc(link)}index.html">index page</a> lists {len(pairs)}.</p>')
    if len(pairs) < flagged:
        parts.append(f'<p class="muted">The {len(pairs)} highest of the {flagged} are listed (on the index page and in '
                     f"{esc(JSON)}).</p>")
    notes, limit = [(u, n) for u in doc["uploads"] for n in u["notes"]], MAX_NOTES if rows is None else rows
    if notes:
        parts.append("<p>Notes on the uploads (what was left out of the comparison, converted or missing):</p><ul>"
                     + "".join(f"<li>{_name(u['name'], u['kind'])}: {esc(n)}</li>" for u, n in notes[:limit])
                     + (f"<li>... and {len(notes) - limit} more (in {esc(JSON)})</li>" if len(notes) > limit else "")
                     + "</ul>")
    return "\n".join(parts)


def section(out):
    """The similarity section of OUT/summary.html, from OUT/similarity.json ('' when there is
    none; a note when it cannot be read)."""
    path = Path(out) / JSON
    if not path.is_file():
        return ""
    try:
        return body(json.loads(path.read_text(encoding="utf-8")), link=f"{PAGES}/", rows=ROWS)
    except (OSError, ValueError, KeyError, TypeError) as error:
        return f'<h2>Similarity</h2>\n<p class="note">{esc(JSON)} could not be read ({esc(error)}).</p>'
