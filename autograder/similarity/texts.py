"""An upload's graded modules as text, bounded in size, read the way the grader reads uploads.

submission.prepare finds the module files in any upload shape (flat, <package>/, a copy of the
handout, a zip), caps sizes and converts encodings; this module only reads what it copied, as
text. Nothing is imported or run. A module that cannot be compared (too long, not text) is left
out with a note, so a hostile upload costs nothing and is reported.
"""
import dataclasses
import re
import tempfile
from dataclasses import dataclass, field

from .. import submission

MAX_CHARS = 200_000  # per module: the reference's longest is about 11,000; more is no one's own work
MAX_CONTROL = 0.01  # share of control characters (other than tab and newlines) above which a file is not text
CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f]")  # below " ", other than \t \n \f \r


@dataclass
class Upload:
    """One side of the comparison.

    - name: str, the student's id (or the archive's entry, or "reference").
    - kind: str, "student", "archive" or "reference".
    - texts: dict module name -> source text (only the modules that can be compared).
    - notes: list of str, what was left out and why.
    """
    name: str
    kind: str
    texts: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)


def problem(text):
    """Why a module's text is not compared (str), or None when it is."""
    if len(text) > MAX_CHARS:
        return f"{len(text)} characters, more than the {MAX_CHARS} compared"
    control = len(CONTROL.findall(text))
    if control > MAX_CONTROL * max(len(text), 1):
        return "not text (binary data)"
    return None


def from_texts(name, kind, texts):
    """An Upload of module texts (dict module -> str), with the modules that cannot be compared
    left out and noted."""
    upload = Upload(name, kind)
    for module, text in texts.items():
        why = problem(text)
        if why:
            upload.notes.append(f"{module}.py not compared: {why}")
        else:
            upload.texts[module] = text
    return upload


def read_folder(name, kind, folder, sources):
    """An Upload of the graded modules in a folder holding <package>/ (the handout, the
    solutions); missing modules are noted."""
    texts, notes = {}, []
    for module in sources.graded:
        path = sources.module_path(folder, module)
        try:
            texts[module] = path.read_bytes()[:MAX_CHARS * 4 + 1].decode("utf-8", "replace")
        except OSError as error:
            notes.append(f"{module}.py could not be read ({error.strerror or error})")
    upload = from_texts(name, kind, texts)
    upload.notes[:0] = notes
    return upload


def read_upload(name, kind, path, sources):
    """An Upload of what a student uploaded (folder or zip), through submission.prepare.

    The notes are the upload reading's own (encodings converted, files too large, missing
    modules) and this module's (modules left out)."""
    with tempfile.TemporaryDirectory(prefix="similarity-") as scratch:
        try:
            prepared = submission.prepare(path, scratch)
        except (submission.SubmissionError, OSError) as error:
            return Upload(name, kind, notes=[f"the upload could not be read: {error}"])
        present = dataclasses.replace(sources, graded=tuple(m for m in sources.graded if m in prepared.found))
        upload = read_folder(name, kind, prepared.root, present)
    upload.notes[:0] = prepared.notes
    return upload
