"""An assignment's report plugins: the optional report.py of its folder, loaded by path.

report.py may define (each optional):
- TITLE: str, the assignment's name at the top of report.html and summary.html (default: the
  name in its spec).
- SECTIONS: list of functions section(document) -> (heading, html fragment) or None (nothing to
  say for this document). document is the results.json dict as the student sees it (hidden tests
  already left out); the fragment is HTML, every text in it escaped (html.esc).

A plugin reads results.json only (its records, see records.py, and its own tests' figures); it
never imports checks or the reference. A plugin that fails costs only its own section.
"""
import importlib.util
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REPORT = "report.py"


@dataclass(frozen=True)
class Plugins:
    """What an assignment adds to its reports: title (str) and sections (tuple of functions)."""
    title: str = "Grading report"
    sections: tuple = ()


@lru_cache(maxsize=None)
def _load(folder, title):
    path = folder / REPORT
    if not path.is_file():
        return Plugins(title)
    # A name of its own per folder: two assignments' report.py never replace each other.
    name = f"_report_plugins_{zlib.crc32(str(path).encode()):08x}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return Plugins(str(getattr(module, "TITLE", title)), tuple(getattr(module, "SECTIONS", ())))


def load(folder, title=Plugins.title):
    """The Plugins of the assignment in folder (Plugins(title) when it has no report.py; title
    also when its report.py names none), loaded once."""
    return _load(Path(folder).resolve(), title)


def current():
    """The Plugins of the assignment being graded (assignment.current()): its folder's report.py,
    titled by its spec's name unless report.py gives a TITLE."""
    from ..assignment import current as current_assignment
    spec = current_assignment()
    return load(spec.folder, spec.name)
