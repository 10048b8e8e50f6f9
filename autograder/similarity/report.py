"""Compare a class and write its outputs: similarity.json and the side-by-side pages.

Outputs (docs/tas.md, "Similarity"):
- OUT/similarity.json: the settings, every upload compared (its modules, notes on what was left
  out), and the pairs at or above the threshold, ranked, each with its view.
- OUT/similarity/index.html: the ranked pairs; OUT/similarity/NNN.html: pair NNN side by side.
Nothing here reads or writes a score.
"""
import json
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from ..report.html import page
from ..results import write_atomic
from . import THRESHOLD, compare, texts, views
from .section import JSON, KINDS, PAGES, body

MAX_VIEWS = 200  # side-by-side pages written, for the highest pairs (copydetect places the code: ~50 ms a pair)
MAX_PAIRS = 1000  # pairs listed in similarity.json (a class of copies of one file would flag them all)

FORMAT = 1
OWN_PAGE = re.compile(r"(index|[0-9]{3,})\.html")  # the only files OUT/similarity/ holds when it is this report's


class OutputError(Exception):
    """OUT already holds something of that name that this report did not write (a student's
    folder): nothing is deleted or written."""


def _check_own(out):
    """Raise OutputError unless OUT/similarity.json and OUT/similarity/ are absent or this
    report's own (a regular file; a folder of its pages and nothing else)."""
    doc, folder = out / JSON, out / PAGES
    if doc.is_symlink() or (doc.exists() and not doc.is_file()):
        raise OutputError(f"{doc} exists and is not the report's file; nothing was written")
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise OutputError(f"{folder} exists and is not the report's folder; nothing was written")
    if folder.is_dir():
        foreign = [p.name for p in folder.iterdir() if not (OWN_PAGE.fullmatch(p.name) and p.is_file()
                                                            and not p.is_symlink())]
        if foreign:
            raise OutputError(f"{folder} holds files the report did not write ({', '.join(sorted(foreign)[:3])}); "
                              "nothing was written")


@dataclass
class Result:
    """A class compared: the Fingerprints of the students and of the others (reference,
    archive), the ranked Pairs, the threshold, the seconds it took and, of them, the seconds
    spent reading and fingerprinting the uploads."""
    students: list
    others: list
    pairs: list
    threshold: float
    seconds: float
    reading: float = 0.0

    @property
    def flagged(self):
        return [p for p in self.pairs if p.score >= self.threshold]


def label(upload):
    """How a side is named on the pages: the student's id, or what else it is."""
    return upload.name + KINDS[upload.kind]


def compare_class(students, sources, archive=(), threshold=THRESHOLD):
    """Compare a class.

    Inputs:
    - students: list of (id, Path of the upload: folder or .zip).
    - sources: sources.Sources (the handout is boilerplate, the solutions a reference).
    - archive: list of (name, Path), earlier terms' uploads, compared with every student only.
    - threshold: float in [0, 1], the score from which a pair is flagged.

    Returns: a Result.
    """
    start = time.monotonic()
    hashes = compare.boilerplate(texts.read_folder("handout", "reference", sources.handout, sources).texts.values())
    cache = {}
    mine = [compare.fingerprints(texts.read_upload(n, "student", p, sources), hashes, cache) for n, p in students]
    solutions = texts.read_folder("reference solution", "reference", sources.solutions, sources)
    others = [compare.fingerprints(solutions, hashes, cache)]
    others += [compare.fingerprints(texts.read_upload(n, "archive", p, sources), hashes, cache) for n, p in archive]
    read = time.monotonic()
    pairs = compare.all_pairs(mine, others)
    return Result(mine, others, pairs, threshold, time.monotonic() - start, read - start)


def document(result, modules):
    """similarity.json's content (a dict) for a Result; modules: the graded module names."""
    flagged = result.flagged
    below = [p.score for p in result.pairs if p.score < result.threshold]
    return {
        "format": FORMAT,
        "settings": {"threshold": result.threshold, "k": compare.NOISE, "min_chars": compare.MIN_CHARS,
                     "module_share": compare.MODULE_SHARE, "min_module_chars": compare.MIN_MODULE_CHARS,
                     "modules": list(modules)},
        "compared": {"students": len(result.students), "others": len(result.others), "pairs": len(result.pairs)},
        "seconds": round(result.seconds, 3),
        "highest_unflagged": round(max(below), 4) if below else None,
        "flagged": len(flagged),
        "uploads": [{"name": f.upload.name, "kind": f.upload.kind, "modules": sorted(f.upload.texts),
                     "chars": f.chars, "notes": f.upload.notes} for f in result.students + result.others],
        "pairs": [{"rank": rank, "a": p.a.upload.name, "b": p.b.upload.name, "b_kind": p.b.upload.kind,
                   "score": round(p.score, 4), "overall": round(p.overall, 4), "module": p.module,
                   "modules": {m: {"a": round(x.share_a, 4), "b": round(x.share_b, 4)}
                               for m, x in sorted(p.matches.items())},
                   "view": f"{PAGES}/{rank:03d}.html" if rank <= MAX_VIEWS else None}
                  for rank, p in enumerate(flagged[:MAX_PAIRS], 1)],
    }


def write(out, result, modules):
    """Write OUT/similarity.json and OUT/similarity/ for a Result (the pages of an earlier run
    are replaced as a whole). Returns the document.

    Raises OutputError, before writing anything, when either name in OUT holds something else
    (the report deletes and writes nothing but its own outputs)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _check_own(out)
    doc = document(result, modules)
    fresh, folder = out / f".{PAGES}.new", out / PAGES
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir()
    placed = {}
    for rank, pair in enumerate(result.flagged[:MAX_VIEWS], 1):
        (fresh / f"{rank:03d}.html").write_text(views.pair_page(pair, rank, label, placed), encoding="utf-8")
    (fresh / "index.html").write_text(page("Similarity", body(doc, link="")), encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    fresh.rename(folder)
    write_atomic(out / JSON, json.dumps(doc, indent=1) + "\n")
    return doc
