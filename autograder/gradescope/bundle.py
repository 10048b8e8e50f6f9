"""Build an assignment's Gradescope autograder zip (`python -m autograder gradescope-bundle
[--assignment A]`, `make gradescope`), by default dist/<assignment>-autograder.zip.

Layout of the zip (Gradescope unpacks it into /autograder/source), paths as in the repository:
- setup.sh, run_autograder: at the root, executable (from autograder/gradescope/);
- requirements.txt: the grader's dependencies, from pyproject.toml (numpy);
- autograder/: the harness as it is in the repository (without bytecode);
- assignments/<name>/: the assignment's spec, rubric, checks, child operations and reference
  cache (brought up to date first), without its solutions, handout, examples or mutants;
  assignments/DEFAULT names it, so that run_autograder grades it;
- the reference package (<solutions>/<package>/*.py), used by the grader's trusted process only.
Members are sorted and carry a fixed timestamp: the same sources give the same zip.
"""
import os
import sys
import tempfile
import zipfile
from pathlib import Path

from .. import assignment, reference_cache

ROOT = Path(__file__).resolve().parent.parent.parent
HERE = Path(__file__).resolve().parent
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
SCRIPTS = ("setup.sh", "run_autograder")


def default_out(spec):
    """dist/<name>-autograder.zip: each assignment's bundle apart."""
    return ROOT / "dist" / f"{spec.name}-autograder.zip"


def _assignment_files(spec, root):
    """Assignment.grader_files(), which must lie inside root (the paths in the zip are relative to it)."""
    if not spec.folder.is_relative_to(root) or not spec.reference_dir.is_relative_to(root):
        raise ValueError(f"{spec.folder}: a bundle holds an assignment inside {root} only")
    return spec.grader_files()


def members(root=ROOT, spec=None):
    """The files of the bundle of the Assignment spec (default the current one): dict name in the
    zip -> (bytes, unix mode)."""
    spec = assignment.current() if spec is None else spec
    import tomllib  # here: `python -m autograder grade` registers this command without parsing TOML
    files = {name: ((HERE / name).read_bytes(), 0o755) for name in SCRIPTS}
    with open(root / "pyproject.toml", "rb") as handle:
        dependencies = tomllib.load(handle)["project"]["dependencies"]
    files["requirements.txt"] = (("\n".join(dependencies) + "\n").encode(), 0o644)
    if Path(root).resolve() == ROOT:  # a bundle of this grader: its reference results, computed if stale
        _, status = reference_cache.ensure(spec=spec)
        if status.startswith("not written"):
            print(f"warning: the reference cache is {status}; setup.sh will build it", file=sys.stderr)
    root = Path(root).resolve()
    sources = [p for p in (root / "autograder").rglob("*") if p.is_file() and p.suffix != ".pyc"]
    sources += _assignment_files(spec, root)
    files[f"assignments/{assignment.DEFAULT_FILE}"] = (f"{spec.folder.name}\n".encode(), 0o644)
    for path in sources:
        # Neither bytecode nor what an interrupted cache write may have left (hidden folders).
        if "__pycache__" not in path.parts and not any(part.startswith(".") for part in path.relative_to(root).parts):
            mode = 0o755 if os.access(path, os.X_OK) else 0o644
            files[path.relative_to(root).as_posix()] = (path.read_bytes(), mode)
    return files


def build(output=None, root=ROOT, spec=None):
    """Write the zip of the Assignment spec (default the current one) to output (default
    default_out(spec)), atomically, and return its member names."""
    spec = assignment.current() if spec is None else spec
    output = Path(default_out(spec) if output is None else output)
    output.parent.mkdir(parents=True, exist_ok=True)
    files = members(root, spec)
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
    out = args.out or default_out(assignment.current())
    names = build(out)
    print(f"wrote {out} ({len(names)} files): upload it as the autograder of a Gradescope "
          "programming assignment (see README, 'For TAs')", file=sys.stderr)
    return 0


def add_parser(commands):
    """Add `gradescope-bundle` to the subparsers of the command line."""
    parser = commands.add_parser("gradescope-bundle", help="build the Gradescope autograder zip")
    parser.add_argument("--out", type=Path, default=None,
                        help="zip to write (default dist/<assignment>-autograder.zip)")
    parser.set_defaults(run=_run)
