"""Making hostile submissions: the reference with one function's solution replaced, or an odd upload.

Snippets may use placeholders, filled in per run: @MARKER@ (a unique word the suite searches
for), @COMM@ (a process name the suite looks for), @OUT@ (the folder the grader writes this
submission's results to), @PORT@ (a port on 127.0.0.1 where the suite listens), @ROOT@ (the
grader's repository). Copies of the reference lose their "### BEGIN/END SOLUTION" lines, so that
those words in a result can only have come from the grader's own files.
"""
import stat
import textwrap
import zipfile
from pathlib import Path

from mutate import copy_reference, reference

FENCES = ("### BEGIN SOLUTION", "### END SOLUTION")


def _unfenced(text):
    return "".join(line for line in text.splitlines(keepends=True) if not any(f in line for f in FENCES))


def _copy(dest):
    """dest/gradlab: the reference without its solution fences; returns dest as a Path."""
    copy_reference(dest)
    for path in (Path(dest) / "gradlab").glob("*.py"):
        path.write_text(_unfenced(path.read_text()))
    return Path(dest)


def fill(code, values):
    """code with every @NAME@ replaced by values[NAME]."""
    for name, value in values.items():
        code = code.replace(f"@{name}@", str(value))
    return code


def replace_solution(source, function, body):
    """source with the ### BEGIN/END SOLUTION block of `function` replaced by body."""
    lines = source.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith(f"def {function}("))
    begin = next(i for i in range(start, len(lines)) if "### BEGIN SOLUTION" in lines[i])
    end = next(i for i in range(begin, len(lines)) if "### END SOLUTION" in lines[i])
    indent = lines[begin][:len(lines[begin]) - len(lines[begin].lstrip())]
    code = textwrap.indent(textwrap.dedent(body).strip() + "\n", indent)
    return "".join(lines[:begin]) + code + "".join(lines[end + 1:])


def edited_reference(dest, edits, values):
    """dest/gradlab: the reference with edits applied; returns dest.

    edits: (module, function, code): code replaces the function's solution, or with function
    None runs when the module is imported (appended to it).
    """
    copy_reference(dest)
    for module, function, code in edits:
        path = Path(dest) / "gradlab" / f"{module}.py"
        code = fill(code, values)
        text = path.read_text()
        if function is None:
            text += "\n\n" + textwrap.dedent(code).strip() + "\n"
        else:
            text = replace_solution(text, function, code)
        path.write_text(text)
    for path in (Path(dest) / "gradlab").glob("*.py"):
        path.write_text(_unfenced(path.read_text()))
    return Path(dest)


def _zip(path, members):
    """Write a zip of (name, bytes, mode or None) members, deflated."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data, mode in members:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if mode is not None:
                info.external_attr = mode << 16
            archive.writestr(info, data)
    return path


def _flat(skip=()):
    """The reference modules as flat zip members (Gradescope's layout)."""
    return [(p.name, _unfenced(p.read_text()).encode(), None) for p in sorted(reference().glob("*.py"))
            if p.stem not in skip]


def zip_slip(dest, values):
    marker = values["MARKER"]
    return _zip(Path(dest) / "upload.zip", _flat() + [
        (f"../../{marker}.py", b"print('escaped')\n", None), (f"/tmp/{marker}-absolute.py", b"x = 1\n", None),
        (f"gradlab/../../../{marker}-nested.py", b"x = 1\n", None), (f"..\\..\\{marker}-windows.py", b"x = 1\n", None)])


def zip_bomb(dest, values):
    bomb = b"#" * (256 << 20)  # a 256 MB losses.py that deflates to a few hundred KB
    return _zip(Path(dest) / "upload.zip", _flat(skip={"losses"}) + [("gradlab/losses.py", bomb, None)])


def zip_symlink(dest, values):
    target = f"{values['ROOT']}/solutions/gradlab/layers.py".encode()
    return _zip(Path(dest) / "upload.zip", _flat(skip={"layers"}) + [("layers.py", target, stat.S_IFLNK | 0o777)])


def folder_symlinks(dest, values):
    _copy(dest)
    package = Path(dest) / "gradlab"
    for module, target in (("layers", f"{values['ROOT']}/solutions/gradlab/layers.py"), ("losses", "/etc/passwd")):
        (package / f"{module}.py").unlink()
        (package / f"{module}.py").symlink_to(target)
    return Path(dest)


def non_utf8(dest, values):
    _copy(dest)
    path = Path(dest) / "gradlab" / "losses.py"
    path.write_bytes(path.read_bytes() + b'\nGREETING = "caf\xe9"  # saved as Windows-1252\n')
    return Path(dest)


def notebook_and_pdf(dest, values):
    Path(dest).mkdir(parents=True, exist_ok=True)
    (Path(dest) / "gradlab.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    (Path(dest) / "gradlab.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    return Path(dest)


def misnamed(dest, values):
    _copy(dest)
    package = Path(dest) / "gradlab"
    for old, new in (("losses.py", "Losses.py"), ("layers.py", "layer.py"), ("optim.py", "optim (1).py"),
                     ("nets.py", "nets.py.txt")):
        (package / old).rename(package / new)
    return Path(dest)


def zip_directory_bomb(dest, values):
    """A zip whose directory lists 120,000 empty entries (each costs the reader memory)."""
    return _zip(Path(dest) / "upload.zip", _flat() + [(f"e{i}", b"", None) for i in range(120_000)])
