"""Student ids from entry names, and the checks that keep every id a safe folder name in OUT.

A student's id is the entry's name (without .zip), normalized to NFC so that a name typed on
macOS (NFD) and on Linux (NFC) is one id. Two ids that are equal once case is ignored would
overwrite each other on a case-insensitive file system (macOS, Windows), so they are refused
together. An id must be usable as one folder name in OUT: valid UTF-8, at most NAME_BYTES
bytes, no '/' or NUL, not '.' or '..', not a class file's name, and not one of the names the
similarity report writes in OUT (OUTPUTS: a student's folder there would be replaced by it).
"""
import hashlib
import os
import unicodedata

NAME_BYTES = 255  # the file-name limit of ext4, XFS, APFS and NTFS
OUTPUTS = ("similarity", "similarity.json")  # written in OUT by the similarity report (similarity/section.py)


def display(name):
    """A file name as text: bytes that are not UTF-8 (surrogate escapes) shown as \\xNN."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def student_id(name):
    """(id, problem): the NFC id of an entry name, and why it cannot be used (None if it can)."""
    shown = unicodedata.normalize("NFC", display(name))
    if shown != unicodedata.normalize("NFC", name):
        return shown, "its name is not valid UTF-8 (the bytes that are not are shown as \\xNN); rename it"
    return shown, unsafe(shown)


def unsafe(student):
    """Why student cannot be a folder name directly inside OUT, or None if it can."""
    if not isinstance(student, str) or student in ("", ".", "..") or "/" in student or "\0" in student:
        return "it is not a plain folder name"
    if student.startswith("."):
        return "it starts with '.' (hidden)"
    if collision_key(student) in {collision_key(name) for name in OUTPUTS}:
        return "its id is the name of the similarity report's output in OUT; rename it"
    try:
        size = len(student.encode("utf-8"))
    except UnicodeEncodeError:
        return "its name is not valid UTF-8"
    if size > NAME_BYTES:
        return f"its name is {size} bytes long once normalized, over the file-name limit of {NAME_BYTES}"
    return None


def collision_key(student):
    """What two ids share when a case-insensitive file system would give them one folder."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", student).casefold())


def key(student):
    """A short file name standing for student (for staging files, whose names add a suffix)."""
    return hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:24]
