"""The assignment being graded: its spec (assignments/<name>/assignment.toml) and where its parts are.

An assignment is one folder, found by name (assignments/<name>/) or by path (any folder holding
an assignment.toml, e.g. a scratch copy). The harness asks this module, and only this one, for
the student package's name, its modules, the reference, the rubric, the checks, the child
operations and the reference cache of an assignment; it knows no assignment by name.
assignments/DEFAULT names the one used when a command is given none (its first line).

The process grades one assignment at a time: the command line calls use() once, and every
part of the harness reads current().
"""
import collections
import hashlib
import importlib
import importlib.machinery
import re
import sys
import types
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ROOT / "assignments"
SPEC = "assignment.toml"
DEFAULT_FILE = "DEFAULT"
CACHE_DIR = "reference_cache"  # in the assignment's folder: what the reference decides (reference_cache.py)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class AssignmentError(ValueError):
    """An assignment that cannot be found or whose spec is malformed; the message names the
    file and the field."""


# A named tuple, not a dataclass: made at every start of the grader, where a frozen dataclass's
# generated methods cost milliseconds to compile.
_FIELDS = ("name", "title", "package", "graded", "provided", "folder", "solutions", "handout", "examples", "mutants")


class Assignment(collections.namedtuple("Assignment", _FIELDS)):
    """One assignment, as its spec describes it (paths resolved against its folder); immutable.

    - name: str, the assignment's name; title: str, a line for reports.
    - package: str, the package students submit (their upload holds <package>/<module>.py).
    - graded: tuple of str, the modules graded; provided: tuple of str, modules handed out
      complete (the grader's copy is always used: submission.prepare ignores a student's).
    - folder: Path of the assignment's folder.
    - solutions: Path of the folder holding <package>/ (the reference), the master notebook
      and the public tests; handout: Path where the student's copy is generated; examples: Path
      of the example submissions; mutants: Path of its mutation suite (mutants.toml, variants/,
      equivalent.toml; optional, default <folder>/mutants).
    """
    __slots__ = ()

    @property
    def modules(self):
        """Every module of the package, graded first: tuple of str."""
        return self.graded + self.provided

    @property
    def reference_dir(self):
        """Path of the reference package (<solutions>/<package>)."""
        return self.solutions / self.package

    @property
    def reference_name(self):
        """The name the reference is imported under in the trusted process."""
        return f"{self.package}_reference"

    @property
    def rubric_file(self):
        """Path of rubric.toml (the overrides; may be absent)."""
        return self.folder / "rubric.toml"

    @property
    def child_ops_file(self):
        """Path of child_ops.py, or None when the assignment adds no child operations."""
        path = self.folder / "child_ops.py"
        return path if path.is_file() else None

    @property
    def reference_cache_dir(self):
        """Path of the folder that keeps what the reference decides (reference_cache.py)."""
        return self.folder / CACHE_DIR

    @property
    def module_name(self):
        """The name the assignment's folder is imported under in the trusted process (its checks,
        diagnoses, child_ops as the trusted side uses them): unique per folder."""
        digest = hashlib.sha256(str(self.folder).encode()).hexdigest()[:8]
        return f"_assignment_{re.sub(r'[^A-Za-z0-9_]', '_', self.name)}_{digest}"

    def grader_files(self):
        """Paths of the files the grader reads: the assignment folder's own (without the solutions,
        handout, examples and mutation suite it may hold, and without bytecode or hidden
        folders), then the reference package's .py files. The bundle ships them; the fingerprint
        hashes their .py and .toml."""
        from .fingerprint import tree_files
        own = tree_files(self.folder, apart=(self.solutions, self.handout, self.examples, self.mutants))
        return [p for p in own if p.suffix != ".pyc"] + sorted(self.reference_dir.glob("*.py"))

    def child_config(self):
        """What the sandboxed child is told of the assignment: plain data, never reference code."""
        return {"package": self.package, "graded": list(self.graded), "provided": list(self.provided)}

    def import_part(self, part):
        """The assignment's module `part` (e.g. "checks", "diagnoses"), imported in this (trusted)
        process; None if the assignment has none."""
        path = self.folder.joinpath(*part.split("."))
        if not (path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()):
            return None
        return importlib.import_module(f"{_package_of(self)}.{part}")

    def checks(self):
        """dict id -> framework.Declared of every check the assignment registers (in order)."""
        from .checks import diagnosis, framework  # the check API; loads numpy
        own = self.import_part("diagnoses")
        if own is not None and not getattr(own, "_registered", False):
            diagnosis.register(getattr(own, "DIAGNOSES", {}))
            own._registered = True  # once per process, however often the checks are asked for
        module = self.import_part("checks")
        if module is None:
            raise AssignmentError(f"{self.folder}: no checks/__init__.py (the assignment's checks)")
        return framework.declared(module.__name__.rpartition(".")[0])


def _package_of(spec):
    """The name of the package object standing for spec's folder (made once, no __init__.py needed)."""
    name = spec.module_name
    if name not in sys.modules:
        package = types.ModuleType(name, f"the assignment {spec.name} ({spec.folder})")
        package.__path__ = [str(spec.folder)]
        package.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=True)
        package.__spec__.submodule_search_locations = package.__path__
        sys.modules[name] = package
    return name


def _field(table, key, kind, path, default=None):
    """table[key] checked against kind (str or list of str); AssignmentError names path and key."""
    if key not in table:
        if default is not None:
            return default
        raise AssignmentError(f"{path}: field {key!r} is missing")
    value = table[key]
    if kind is str and not (isinstance(value, str) and value):
        raise AssignmentError(f"{path}: field {key!r} must be a non-empty string, got {value!r}")
    if kind is list and not (isinstance(value, list) and all(isinstance(v, str) and _NAME.match(v) for v in value)):
        raise AssignmentError(f"{path}: field {key!r} must be a list of module names, got {value!r}")
    return tuple(value) if kind is list else value


def spec_digest(data):
    """The SHA-256 (hex) of assignment.toml's bytes: what a stored copy of its table is checked against."""
    return hashlib.sha256(data).hexdigest()


def _stored_table(folder, data):
    """The table of assignment.toml as the reference cache stored it (its "spec" entry, in
    <folder>/reference_cache/index.json), if it was stored for these very bytes; else None.
    Grading one upload then parses no TOML (tomllib's import alone costs about 10 ms)."""
    import json
    try:
        stored = json.loads((folder / CACHE_DIR / "index.json").read_bytes())["entries"]["spec"]["values"]
        return stored["table"] if stored["sha256"] == spec_digest(data) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def read_table(folder):
    """The table of folder/assignment.toml (dict), from the reference cache when it holds it."""
    path = Path(folder) / SPEC
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise AssignmentError(f"{path}: no such file (an assignment folder holds {SPEC})") from None
    table = _stored_table(Path(folder), data)
    if table is not None:
        return table
    import tomllib
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise AssignmentError(f"{path}: not valid TOML ({error})") from None


def parse(folder):
    """The Assignment described by folder/assignment.toml; AssignmentError if it is malformed."""
    folder = Path(folder).resolve()
    path = folder / SPEC
    table = read_table(folder)
    package = _field(table, "package", str, path)
    if not _NAME.match(package):
        raise AssignmentError(f"{path}: field 'package' must be a Python package name, got {package!r}")
    graded, provided = _field(table, "graded", list, path), _field(table, "provided", list, path, default=[])
    if not graded:
        raise AssignmentError(f"{path}: field 'graded' must name at least one module")
    if set(graded) & set(provided):
        raise AssignmentError(f"{path}: fields 'graded' and 'provided' share {sorted(set(graded) & set(provided))}")
    name = _field(table, "name", str, path)
    spec = Assignment(name=name, title=_field(table, "title", str, path, default=name), package=package,
                      graded=graded, provided=provided, folder=folder,
                      mutants=(folder / _field(table, "mutants", str, path, default="mutants")).resolve(),
                      **{key: (folder / _field(table, key, str, path)).resolve()
                         for key in ("solutions", "handout", "examples")})
    if not (spec.reference_dir / "__init__.py").is_file():
        raise AssignmentError(f"{path}: field 'solutions': {spec.reference_dir} holds no __init__.py "
                              f"(the reference package {package})")
    return spec


def default_name():
    """The name in assignments/DEFAULT (its first line)."""
    path = ASSIGNMENTS / DEFAULT_FILE
    try:
        return path.read_text(encoding="utf-8").split()[0]
    except (OSError, IndexError):
        raise AssignmentError(f"{path}: missing or empty (it names the default assignment)") from None


@lru_cache(maxsize=None)
def _load_folder(folder):
    return parse(folder)


def load(name_or_path=None):
    """The Assignment named name_or_path (a folder under assignments/) or at that path (a folder
    holding assignment.toml); the default one if None. Parsed once per folder."""
    if name_or_path is None:
        name_or_path = default_name()
    text = str(name_or_path)
    if _NAME.match(text) and not Path(text).is_dir():
        folder = ASSIGNMENTS / text
        if not folder.is_dir():
            known = sorted(p.name for p in ASSIGNMENTS.iterdir() if (p / SPEC).is_file()) \
                if ASSIGNMENTS.is_dir() else []
            raise AssignmentError(f"no assignment named {text!r} in {ASSIGNMENTS} (known: {', '.join(known)})")
    else:
        folder = Path(text)
    return _load_folder(Path(folder).resolve())


_current = []


def use(name_or_path=None):
    """Make the assignment named (or at) name_or_path the one this process grades; returns it."""
    spec = name_or_path if isinstance(name_or_path, Assignment) else load(name_or_path)
    _current[:] = [spec]
    return spec


def current():
    """The assignment this process grades (the default one unless use() chose another)."""
    return _current[0] if _current else use()


def add_option(parser):
    """Add --assignment NAME|PATH to an argparse parser (every command has it)."""
    parser.add_argument("--assignment", metavar="NAME|PATH", default=None,
                        help="the assignment: a folder name under assignments/ or the path of an assignment "
                             "folder (default: the one named in assignments/DEFAULT)")


def option_value(argv):
    """The value of --assignment in a command line (list of str), or None: for starting early
    what depends on the assignment, before the command line is parsed."""
    for index, word in enumerate(argv):
        if word == "--assignment" and index + 1 < len(argv):
            return argv[index + 1]
        if word.startswith("--assignment="):
            return word.partition("=")[2]
    return None
