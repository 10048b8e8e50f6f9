"""Turn what a student uploaded into a clean package folder that the sandbox can import.

Accepted: a folder with the module files flat (as Gradescope stores an upload), a folder holding
<package>/ (or a whole copy of the handout), or a .zip of any of these; any other single file is read
as a folder holding only it (a bare notebook gets the advice it gets in a zip). Only the expected module
files are copied, as bytes, into scratch/<package>/ beside an empty __init__.py of the grader's
own; nothing is imported or run here. Zip members with absolute paths, '..' or links are
skipped, and so are symlinks in folders (files are opened without following links); sizes and
counts are capped (a zip bomb is read no further than the cap), and unreadable members are
reported, not fatal. A module that is not UTF-8 is converted (as Windows-1252, or UTF-16 with a
byte-order mark) with a note. Misnamed files, notebooks and PDFs get advice naming the right file.
"""
import codecs
import io
import os
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

# The package and its modules come from the assignment's spec (assignment.py): spec.package,
# spec.modules (graded, then provided). The provided modules are always the grader's own copies
# (the handout's code, unchanged, from the reference package): a student's copy is ignored, so a
# submission cannot change what the contract gives every student (e.g. an optim.py that trains).
MAX_FILE_BYTES = 1 << 20
MAX_TOTAL_BYTES = 64 << 20
MAX_MEMBERS = 5000
MAX_ZIP_ENTRIES = 100_000  # entries in a zip's directory: reading it costs about 0.4 KB of memory each
MAX_ENTRIES = 20000  # folder entries looked at before giving up on the rest
MAX_ADVICE = 10  # notes on misnamed or stray files, at most (then one line says how many more)
CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")  # PEP 263
# Trees no upload needs (environments, version control, caches): skipped before they count.
IGNORED_PARTS = {"__MACOSX", "__pycache__", ".ipynb_checkpoints", ".git", ".hg", ".svn", ".venv", "venv",
                 "node_modules", ".mypy_cache", ".pytest_cache", ".tox"}
MODULE_DEPTH = 3  # a module file is looked for as m.py, <package>/m.py or X/<package>/m.py (a copy of the handout)


class SubmissionError(Exception):
    """The upload cannot be read at all (not a folder or a zip, a broken zip)."""


@dataclass
class Prepared:
    """A submission made ready for grading.

    - root: Path of the folder to put on the child's sys.path (it holds <package>/).
    - found: dict module name -> the path it came from, relative to the upload.
    - notes: list of str, what the student should know about the upload itself.
    - graded: tuple of the graded module names.
    """
    root: Path
    graded: tuple = ()
    found: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    @property
    def missing(self):
        return [m for m in self.graded if m not in self.found]


def _candidates(files, spec):
    """The best file for every module, and notes on the copies left out.

    The module files are taken from one folder: the one holding the most of them, then a place
    the contract names (m.py, <package>/m.py, X/<package>/m.py) before others, then the shallowest,
    then one named <package> (a stale copy of the handout deeper down never wins over the files at
    the top). A module that folder lacks comes from the next best folder.

    Input: dict of relative PurePosixPath -> bytes-reading function.
    Returns: (dict module -> relative path, list of notes).
    """
    folders = {}
    for path in files:
        if path.suffix == ".py" and path.stem in spec.modules:
            folders.setdefault(path.parent, []).append(path)

    def rank(folder):
        paths = folders[folder]
        return (-len({p.stem for p in paths} & set(spec.graded)), not _is_module_place(paths[0], spec),
                len(folder.parts), folder.name != spec.package, str(folder))
    chosen, notes = {}, []
    for folder in sorted(folders, key=rank):
        left_out = sorted(p.name for p in folders[folder] if p.stem in chosen)
        chosen.update({p.stem: p for p in folders[folder] if p.stem not in chosen})
        if left_out:
            best = chosen[PurePosixPath(left_out[0]).stem].parent
            notes.append(f"found other copies of {', '.join(left_out)} in {folder.as_posix() or '.'}/: graded the "
                         f"ones in {best.as_posix() or '.'}/, the folder holding the most module files")
    return chosen, notes


def _module_like(path, spec):
    """The module a misnamed file probably is ('Losses.py', 'layer.py', 'optim (1).py',
    'nets.py.txt', 'losses.ipynb'), or None."""
    name = path.name.lower()
    stem = name.split(".py")[0] if ".py" in name else name.rsplit(".", 1)[0]
    stem = re.sub(r"\(\d+\)|[-_ ]?copy|[-_ ]?v\d+|[^a-z]", "", stem)
    import difflib  # only for a misnamed file: grading an upload needs no difflib
    guess = difflib.get_close_matches(stem, spec.modules, n=1, cutoff=0.75)
    return guess[0] if guess else None


def _advice(files, chosen, spec):
    """Notes on files that look like a misnamed module, a notebook, a PDF or a zip in the zip."""
    notes = []
    used = set(chosen.values())
    for path in sorted(files):
        if path in used or path.name == "__init__.py":
            continue
        guess = _module_like(path, spec)
        if guess and guess not in chosen:
            what = "a notebook" if path.suffix == ".ipynb" else "a file"
            notes.append(f"found {what} {path} but no {guess}.py: the grader reads {guess}.py; "
                         f"save or rename it as {spec.package}/{guess}.py")
        elif path.suffix.lower() in (".ipynb", ".pdf", ".docx", ".txt", ".html") and not chosen:
            notes.append(f"found {path}: the grader reads the {spec.package} .py files, not a {path.suffix} file; "
                         "build the upload with `make submit` in the assignment folder")
        elif path.suffix.lower() == ".zip" and not chosen:
            notes.append(f"found {path} inside the upload: upload that zip itself, not a zip of it")
    return notes


def _utf8(data, relative):
    """Source bytes as UTF-8, and a note if they had to be converted (else None)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16").encode("utf-8"), f"{relative} is UTF-16; it was converted to UTF-8"
        except UnicodeDecodeError:
            return data, None
    try:
        data.decode("utf-8")
        return data, None
    except UnicodeDecodeError as error:
        bad = error.start
    if any(CODING.match(line) for line in data.splitlines()[:2]):
        return data, None  # it declares its encoding: Python reads it as declared
    line = data.count(b"\n", 0, bad) + 1
    try:
        text, codec = data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        text, codec = data.decode("latin-1"), "Latin-1"
    return text.encode("utf-8"), (f"{relative} is not UTF-8 (byte 0x{data[bad]:02x} on line {line}); it was read "
                                  f"as {codec}. Save your files as UTF-8.")


def _is_module_place(relative, spec):
    """Whether a relative path is where the contract lets a module file be: m.py, <package>/m.py,
    or X/<package>/m.py."""
    parts = relative.parts
    return (relative.suffix == ".py" and relative.stem in spec.modules and len(parts) <= MODULE_DEPTH
            and (len(parts) == 1 or parts[-2] == spec.package) and not IGNORED_PARTS & set(parts))


def _module_files(folder, spec):
    """The module files of a folder at the places the contract names, found before any walk or
    limit: dict relative PurePosixPath -> Path (regular files only, links skipped)."""
    found = {}
    places = [Path(folder), Path(folder) / spec.package]
    try:
        places += sorted(p / spec.package for p in Path(folder).iterdir()
                         if p.name not in IGNORED_PARTS and not p.is_symlink() and p.is_dir())[:100]
    except OSError:
        pass
    for place in places:
        for module in spec.modules:
            path = place / f"{module}.py"
            try:
                if stat.S_ISREG(path.lstat().st_mode):
                    found[PurePosixPath(path.relative_to(folder).as_posix())] = path
            except OSError:
                continue
    return found


def _read_folder(folder, spec):
    files, total, seen = _module_files(folder, spec), 0, 0
    for directory, subfolders, names in os.walk(folder):  # never follows links to folders
        subfolders[:] = sorted(d for d in subfolders if d not in IGNORED_PARTS)  # pruned before they cost anything
        for name in sorted(names) + [d for d in subfolders if os.path.islink(os.path.join(directory, d))]:
            seen += 1
            if seen > MAX_ENTRIES:
                files[PurePosixPath("(truncated)")] = [f"more than {MAX_ENTRIES} files"]
                return files
            path = Path(directory) / name
            relative = PurePosixPath(path.relative_to(folder).as_posix())
            if IGNORED_PARTS & set(relative.parts):
                continue
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                files.setdefault(PurePosixPath("(links)"), []).append(str(relative))
                continue
            if stat.S_ISREG(info.st_mode) and relative not in files and len(files) >= MAX_MEMBERS:
                files[PurePosixPath("(truncated)")] = [f"more than {MAX_MEMBERS} files"]
                return files
            if stat.S_ISREG(info.st_mode) and relative not in files:
                total += min(info.st_size, MAX_FILE_BYTES)
                if total > MAX_TOTAL_BYTES:
                    files[PurePosixPath("(truncated)")] = [f"more than {MAX_TOTAL_BYTES >> 20} MB"]
                    return files
                files[relative] = path
        subfolders[:] = [d for d in subfolders if not os.path.islink(os.path.join(directory, d))]
    return files


def _zip_entries(archive):
    """The number of entries a zip's end-of-directory record announces (zip64 too), read before
    zipfile builds one object per entry; None if no such record is found."""
    with open(archive, "rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(max(0, size - (1 << 16) - 22))
        tail = handle.read()
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or end + 22 > len(tail):
        return None
    entries = int.from_bytes(tail[end + 10:end + 12], "little")
    locator = end - 20  # a zip64 record says how many when the 16-bit count cannot
    if entries == 0xFFFF and locator >= 0 and tail[locator:locator + 4] == b"PK\x06\x07":
        offset = int.from_bytes(tail[locator + 8:locator + 16], "little")
        with open(archive, "rb") as handle:
            handle.seek(min(offset, size))
            record = handle.read(56)
        if record[:4] == b"PK\x06\x06" and len(record) == 56:
            entries = int.from_bytes(record[32:40], "little")
    return entries


def _without_utf8_flags(data):
    """The bytes of a zip with the UTF-8 flag (bit 11) cleared in every entry's central and local
    header, found through the central directory (a zip64 one raises ValueError)."""
    data = bytearray(data)
    end = data.rfind(b"PK\x05\x06")
    if end < 0:
        raise ValueError("no end of central directory")
    count, offset = int.from_bytes(data[end + 10:end + 12], "little"), int.from_bytes(data[end + 16:end + 20], "little")
    if count == 0xFFFF or offset == 0xFFFFFFFF:
        raise ValueError("a zip64 directory")
    for _ in range(count):
        if data[offset:offset + 4] != b"PK\x01\x02":
            raise ValueError("a broken central directory")
        data[offset + 9] &= ~0x08 & 0xFF  # bit 11 of the flags is bit 3 of their second byte
        local = int.from_bytes(data[offset + 42:offset + 46], "little")
        if data[local:local + 4] == b"PK\x03\x04":
            data[local + 7] &= ~0x08 & 0xFF
        sizes = [int.from_bytes(data[offset + i:offset + i + 2], "little") for i in (28, 30, 32)]
        offset += 46 + sum(sizes)
    return bytes(data)


def _read_zip(archive, spec):
    if archive.stat().st_size > MAX_TOTAL_BYTES:
        raise SubmissionError(f"{archive.name} is larger than {MAX_TOTAL_BYTES >> 20} MB; upload only the "
                              f"{spec.package} .py files")
    entries = _zip_entries(archive)
    if entries is not None and entries > MAX_ZIP_ENTRIES:
        raise SubmissionError(f"{archive.name} holds {entries} entries, more than the {MAX_ZIP_ENTRIES} read; "
                              f"upload only the {spec.package} .py files")
    notes = []
    try:
        try:
            zf = zipfile.ZipFile(archive)
        except UnicodeDecodeError:  # a member's name is flagged UTF-8 but is not: read every name as cp437
            zf = zipfile.ZipFile(io.BytesIO(_without_utf8_flags(archive.read_bytes())))
            notes.append(f"{archive.name} has file names marked as UTF-8 that are not; they were read as cp437 "
                         "(`make submit` builds the zip right)")
        members = zf.infolist()
    except (zipfile.BadZipFile, OSError, UnicodeDecodeError, ValueError) as error:
        raise SubmissionError(f"{archive.name} is not a readable zip file ({error})") from None
    files, skipped, counted = {}, [], 0
    # Module files at the contract's places first, then the rest, ignored trees never counted.
    places = [i for i in members if _is_module_place(PurePosixPath(i.filename.replace("\\", "/")), spec)]
    first = set(map(id, places))
    for info in places + [i for i in members if id(i) not in first]:
        name = PurePosixPath(info.filename.replace("\\", "/"))
        mode = info.external_attr >> 16
        if info.is_dir() or IGNORED_PARTS & set(name.parts) or name in files:
            continue
        counted += 1
        if counted > MAX_MEMBERS:
            files[PurePosixPath("(truncated)")] = [f"more than {MAX_MEMBERS} files"]
            break
        if name.is_absolute() or ".." in name.parts or stat.S_ISLNK(mode):
            skipped.append(info.filename)
            continue
        files[name] = (zf, info)
    if skipped:
        files[PurePosixPath("(unsafe)")] = skipped
    if notes:
        files[PurePosixPath("(names)")] = notes
    return files


def _content(source):
    """At most MAX_FILE_BYTES + 1 bytes of a folder file or zip member (a zip bomb stops there).

    Raises OSError with a reason when the member or file cannot be read."""
    if isinstance(source, Path):
        # No link is followed and a FIFO cannot block: the file may have changed since it was listed.
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with open(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError("not a regular file")
            return handle.read(MAX_FILE_BYTES + 1)
    zf, info = source
    try:
        with zf.open(info) as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    except (RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error, EOFError, ValueError) as error:
        raise OSError(str(error)) from None  # encrypted, unknown compression, corrupt


def _copy_provided(spec, module, package, prepared, uploaded):
    """Put the grader's copy of provided module into package; uploaded: the upload's file's reader
    (as in files) or None; a note if that copy differs."""
    source = spec.reference_dir / f"{module}.py"
    data = source.read_bytes()
    if b"### BEGIN SOLUTION" in data:  # a provided module is handed out as it is: never a solution
        raise ValueError(f"{source}: a provided module holds a solution block")
    (package / f"{module}.py").write_bytes(data)
    prepared.found[module] = "(provided by the grader)"
    try:
        changed = uploaded is not None and _content(uploaded).replace(b"\r\n", b"\n") != data
    except OSError:
        changed = True
    if changed:
        prepared.notes.append(f"{module}.py is provided: the grader's copy was used, not the uploaded one")


def prepare(upload, scratch, spec=None):
    """Copy the expected modules of an upload into scratch/<package>/.

    Inputs:
    - upload: Path of a folder or a .zip file.
    - scratch: Path of an empty folder owned by the grader.
    - spec: the Assignment (assignment.py; default the current one): its package and modules.

    Returns: a Prepared. Raises SubmissionError if the upload cannot be read at all.
    """
    from .assignment import current
    spec = current() if spec is None else spec
    upload, scratch = Path(upload), Path(scratch)
    if upload.is_dir():
        files = _read_folder(upload, spec)
    elif upload.is_file() and (zipfile.is_zipfile(upload) or upload.suffix.lower() == ".zip"):
        files = _read_zip(upload, spec)
    elif upload.is_file():
        # One bare file (a notebook, a PDF, a single module): read as a folder holding only it, so
        # it gets the advice the same file gets inside a zip.
        files = {PurePosixPath(upload.name): upload}
    else:
        raise SubmissionError(f"{upload} does not exist")
    notes = []
    for marker, what in ((PurePosixPath("(links)"), "symbolic links"), (PurePosixPath("(unsafe)"), "unsafe zip paths"),
                         (PurePosixPath("(truncated)"), "the rest of the upload")):
        if marker in files:
            notes.append(f"ignored {what}: {', '.join(sorted(files.pop(marker))[:5])}")
    notes += files.pop(PurePosixPath("(names)"), [])
    chosen, copies = _candidates(files, spec)
    advice = list(dict.fromkeys(copies + _advice(files, chosen, spec)))
    notes += advice[:MAX_ADVICE] + ([f"... and {len(advice) - MAX_ADVICE} more files like these"]
                                    if len(advice) > MAX_ADVICE else [])
    package = scratch / spec.package
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('"""The submission, as copied by the grader."""\n')
    prepared = Prepared(root=scratch, graded=spec.graded, notes=notes)
    for module in spec.provided:
        _copy_provided(spec, module, package, prepared, files[chosen[module]] if module in chosen else None)
    for module, relative in chosen.items():
        if module in spec.provided:
            continue
        try:
            data = _content(files[relative])
        except OSError as error:
            notes.append(f"{relative} could not be read ({error}) and was not graded")
            continue
        if len(data) > MAX_FILE_BYTES:
            notes.append(f"{relative} is larger than {MAX_FILE_BYTES >> 20} MB and was not graded")
            continue
        data, note = _utf8(data, relative)
        if note:
            notes.append(note)
        (package / f"{module}.py").write_bytes(data)
        prepared.found[module] = str(relative)
    if prepared.missing:
        notes.append("missing module files: " + ", ".join(f"{m}.py" for m in prepared.missing)
                     + " (their tests score 0)")
    # File names that are not UTF-8 are shown with \xNN escapes, so every report can be written.
    notes[:] = dict.fromkeys(note.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                             for note in notes)
    return prepared
