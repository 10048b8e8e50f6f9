"""Build the Gradescope autograder zip (`python -m autograder gradescope-bundle`, `make gradescope`).

Layout of the zip (Gradescope unpacks it into /autograder/source):
- setup.sh, run_autograder: at the root, executable (from autograder/gradescope/);
- requirements.txt: the grader's dependencies, from pyproject.toml (numpy);
- autograder/: the grader package as it is in the repository (without bytecode), with its
  reference cache (autograder/reference_cache/, brought up to date first);
- solutions/gradlab/: the reference solutions, used by the grader's trusted process only.
Members are sorted and carry a fixed timestamp: the same sources give the same zip.
"""
import os
import sys
import tempfile
import zipfile
from pathlib import Path

from .. import reference_cache

ROOT = Path(__file__).resolve().parent.parent.parent
HERE = Path(__file__).resolve().parent
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
SCRIPTS = ("setup.sh", "run_autograder")
DEFAULT_OUT = ROOT / "dist" / "autograder.zip"


def members(root=ROOT):
    """The files of the bundle: dict name in the zip -> (bytes, unix mode)."""
    import tomllib  # here: `python -m autograder grade` registers this command without parsing TOML
    files = {name: ((HERE / name).read_bytes(), 0o755) for name in SCRIPTS}
    with open(root / "pyproject.toml", "rb") as handle:
        dependencies = tomllib.load(handle)["project"]["dependencies"]
    files["requirements.txt"] = (("\n".join(dependencies) + "\n").encode(), 0o644)
    if Path(root).resolve() == ROOT:  # a bundle of this grader: its reference results, computed if stale
        _, status = reference_cache.ensure()
        if status.startswith("not written"):
            print(f"warning: the reference cache is {status}; setup.sh will build it", file=sys.stderr)
    sources = [p for p in (root / "autograder").rglob("*") if p.is_file() and p.suffix != ".pyc"]
    sources += [p for p in (root / "solutions" / "gradlab").glob("*.py")]
    for path in sources:
        # Neither bytecode nor what an interrupted cache write may have left (hidden folders).
        if "__pycache__" not in path.parts and not any(part.startswith(".") for part in path.relative_to(root).parts):
            mode = 0o755 if os.access(path, os.X_OK) else 0o644
            files[path.relative_to(root).as_posix()] = (path.read_bytes(), mode)
    return files


def build(output=DEFAULT_OUT, root=ROOT):
    """Write the zip to output (atomically) and return its member names."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    files = members(root)
    handle, temporary = tempfile.mkstemp(suffix=".zip", dir=output.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(files):
                data, mode = files[name]
                info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = (0o100000 | mode) << 16
                archive.writestr(info, data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, output)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return sorted(files)


def _run(args):
    names = build(args.out)
    print(f"wrote {args.out} ({len(names)} files): upload it as the autograder of a Gradescope "
          "programming assignment (see docs/tas.md)", file=sys.stderr)
    return 0


def add_parser(commands):
    """Add `gradescope-bundle` to the subparsers of the command line."""
    parser = commands.add_parser("gradescope-bundle", help="build the Gradescope autograder zip")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"zip to write (default {DEFAULT_OUT.relative_to(ROOT)})")
    parser.set_defaults(run=_run)
