"""The similarity section of summary.html, drawn from OUT/similarity.json alone (so the summary
page never needs copydetect). Every text from an upload is escaped."""
import json
from pathlib import Path

from ..report.html import esc, table

JSON = "similarity.json"
PAGES = "similarity"
KINDS = {"student": "", "reference": "", "archive": " (earlier term)"}


def _name(name, kind):
    return esc(name + KINDS.get(kind, ""))


def body(doc, link):
    """The section's HTML for a similarity.json document; link: the prefix of the views' paths
    relative to the page."""
    settings, pairs = doc["settings"], doc["pairs"]
    parts = ["<h2>Similarity</h2>",
             f"<p>{doc['compared']['students']} submissions compared in pairs and with the reference solution"
             f"{' and earlier terms' if doc['compared']['others'] > 1 else ''} ({doc['compared']['pairs']} pairs, "
             f"{doc['seconds']:.1f} s); the handout's code never counts. {len(pairs)} pairs score at least "
             f"{settings['threshold']:.0%}" + (f"; the highest below scores {doc['highest_unflagged']:.0%}"
                                                 if doc["highest_unflagged"] is not None else "")
             + ". A score is a lead for a person to read, not a verdict; it changes no grade.</p>"]
    if pairs:
        rows = [[str(p["rank"]), esc(p["a"]), _name(p["b"], p["b_kind"]), f"{p['score']:.0%}",
                 esc(", ".join(f"{m} {s['a']:.0%}/{s['b']:.0%}" for m, s in p["modules"].items())),
                 f'<a href="{esc(link + p["view"].split("/", 1)[1])}">side by side</a>' if p["view"] else "–"]
                for p in pairs]
        parts.append(table(["#", "Student", "Shares code with", "Score", "Modules (shares of each side)", "View"],
                           rows, numeric=(0, 3)))
    notes = [(u, n) for u in doc["uploads"] for n in u["notes"] if "not compared" in n or "could not" in n]
    if notes:
        parts.append("<p>Left out of the comparison:</p><ul>"
                     + "".join(f"<li>{_name(u['name'], u['kind'])}: {esc(n)}</li>" for u, n in notes) + "</ul>")
    return "\n".join(parts)


def section(out):
    """The similarity section of OUT/summary.html, from OUT/similarity.json ('' when there is
    none; a note when it cannot be read)."""
    path = Path(out) / JSON
    if not path.is_file():
        return ""
    try:
        return body(json.loads(path.read_text(encoding="utf-8")), link=f"{PAGES}/")
    except (OSError, ValueError, KeyError, TypeError) as error:
        return f'<h2>Similarity</h2>\n<p class="note">{esc(JSON)} could not be read ({esc(error)}).</p>'
