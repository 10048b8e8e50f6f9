"""Turn what a student uploaded into a clean package folder that the sandbox can import.

Accepted: a folder with the module files flat (as Gradescope stores an upload), a folder holding
gradlab/ (or a whole copy of assignment/), or a .zip of any of these. Only the expected module
files are copied, as bytes, into scratch/gradlab/ beside an empty __init__.py of the grader's
own; nothing is imported or run here. Zip members with absolute paths, '..' or links are
skipped, and so are symlinks in folders; sizes are capped.
"""
import difflib
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MODULES = ("losses", "regularizers", "layers", "gradcheck", "optim", "nets", "autodiff", "data")
GRADED_MODULES = MODULES[:-1]  # data.py is provided; a student's copy is used when present
MAX_FILE_BYTES = 1 << 20
MAX_TOTAL_BYTES = 64 << 20
MAX_MEMBERS = 5000
IGNORED_PARTS = {"__MACOSX", "__pycache__", ".ipynb_checkpoints", ".git"}


class SubmissionError(Exception):
    """The upload cannot be read at all (not a folder or a zip, a broken zip)."""


@dataclass
class Prepared:
    """A submission made ready for grading.

    - root: Path of the folder to put on the child's sys.path (it holds gradlab/).
    - found: dict module name -> the path it came from, relative to the upload.
    - notes: list of str, what the student should know about the upload itself.
    """
    root: Path
    found: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    @property
    def missing(self):
        return [m for m in GRADED_MODULES if m not in self.found]


def _candidates(files):
    """The best file for every module: inside a gradlab/ folder first, then the shallowest.

    Input: dict of relative PurePosixPath -> bytes-reading function.
    Returns: dict module -> relative path.
    """
    chosen = {}
    for path in sorted(files, key=lambda p: ("gradlab" not in p.parts[:-1], len(p.parts), str(p))):
        if path.suffix == ".py" and path.stem in MODULES and path.stem not in chosen:
            chosen[path.stem] = path
    return chosen


def _advice(files, chosen):
    """Notes on files that look like a misnamed module, a notebook or a PDF."""
    notes = []
    used = set(chosen.values())
    for path in sorted(files):
        if path in used or path.name == "__init__.py":
            continue
        if path.suffix in (".ipynb", ".pdf", ".docx", ".txt") and not chosen:
            notes.append(f"found {path}: the grader reads the gradlab .py files, not a {path.suffix} file; "
                         "build the upload with `make submit` in the assignment folder")
        elif path.suffix == ".py":
            guess = difflib.get_close_matches(path.stem.lower().replace(" ", ""), MODULES, n=1, cutoff=0.6)
            if guess and guess[0] not in chosen:
                notes.append(f"found {path} but no {guess[0]}.py: rename it to {guess[0]}.py")
    return notes


def _read_folder(folder):
    files, total = {}, 0
    for path in sorted(folder.rglob("*")):
        relative = PurePosixPath(path.relative_to(folder).as_posix())
        if IGNORED_PARTS & set(relative.parts):
            continue
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            files.setdefault(PurePosixPath("(links)"), []).append(str(relative))
            continue
        if stat.S_ISREG(info.st_mode) and len(files) < MAX_MEMBERS:
            total += min(info.st_size, MAX_FILE_BYTES)
            if total > MAX_TOTAL_BYTES:
                break
            files[relative] = path
    return files


def _read_zip(archive):
    try:
        zf = zipfile.ZipFile(archive)
        members = zf.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise SubmissionError(f"{archive.name} is not a readable zip file ({error})") from None
    files, skipped = {}, []
    for info in members[:MAX_MEMBERS]:
        name = PurePosixPath(info.filename.replace("\\", "/"))
        mode = info.external_attr >> 16
        if info.is_dir() or IGNORED_PARTS & set(name.parts):
            continue
        if name.is_absolute() or ".." in name.parts or stat.S_ISLNK(mode):
            skipped.append(info.filename)
            continue
        files[name] = (zf, info)
    if skipped:
        files[PurePosixPath("(unsafe)")] = skipped
    return files


def _content(source):
    """At most MAX_FILE_BYTES + 1 bytes of a folder file or zip member (a zip bomb stops there)."""
    if isinstance(source, Path):
        with open(source, "rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    zf, info = source
    with zf.open(info) as handle:
        return handle.read(MAX_FILE_BYTES + 1)


def prepare(upload, scratch):
    """Copy the expected modules of an upload into scratch/gradlab/.

    Inputs:
    - upload: Path of a folder or a .zip file.
    - scratch: Path of an empty folder owned by the grader.

    Returns: a Prepared. Raises SubmissionError if the upload cannot be read at all.
    """
    upload, scratch = Path(upload), Path(scratch)
    if upload.is_dir():
        files = _read_folder(upload)
    elif upload.is_file() and zipfile.is_zipfile(upload):
        files = _read_zip(upload)
    elif upload.exists():
        raise SubmissionError(f"{upload.name} is neither a folder nor a zip file")
    else:
        raise SubmissionError(f"{upload} does not exist")
    notes = []
    for marker, what in ((PurePosixPath("(links)"), "symbolic links"), (PurePosixPath("(unsafe)"), "unsafe zip paths")):
        if marker in files:
            notes.append(f"ignored {what}: {', '.join(sorted(files.pop(marker))[:5])}")
    chosen = _candidates(files)
    notes += _advice(files, chosen)
    package = scratch / "gradlab"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('"""The submission, as copied by the grader."""\n')
    prepared = Prepared(root=scratch, notes=notes)
    for module, relative in chosen.items():
        data = _content(files[relative])
        if len(data) > MAX_FILE_BYTES:
            notes.append(f"{relative} is larger than {MAX_FILE_BYTES >> 20} MB and was not graded")
            continue
        (package / f"{module}.py").write_bytes(data)
        prepared.found[module] = str(relative)
    if prepared.missing:
        notes.append("missing module files: " + ", ".join(f"{m}.py" for m in prepared.missing)
                     + " (their tests score 0)")
    return prepared
