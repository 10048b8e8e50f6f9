"""Generate an assignment's example submissions (its spec's `examples` folder) from its reference.

- complete/<package>/*.py: everything done (the reference, as a student would have written it
  into the stubs: no solution fences, no hint comments).
- backprop_mistakes.zip: <package>/<module>.py, as the student's `make submit` zips it; complete
  but with the classic mistakes the assignment's examples.toml places (for the bundled one: the
  softmax loss gradient not divided by N, the sigmoid derivative computed from the wrong cached
  value, and no regularization gradient in MLP.loss).
- half_finished/*.py: module files flat (as Gradescope stores an upload); the modules of
  examples.toml's half_done done, the other graded ones still the stubs.
- empty/<package>/*.py: the handout untouched: every function raises NotImplementedError.
- renamed_copy/<package>/*.py: complete/ copied and disguised (tools/disguise.py: local variables
  renamed, functions in another order): the planted pair the similarity report must flag.

The zip is written by the students' own submit tool (tools/handout/submit.py, write_zip, with
the modules their handout's assignment.json lists), so its layout is exactly what they upload.

Usage: python -m tools.make_examples [--check] [--assignment NAME|PATH]
  --check  compare instead of writing; exit 1 when the examples are stale.
"""
import importlib.util
import json
import sys
import tempfile
import zipfile
from pathlib import Path

from autograder import assignment
from tools.disguise import disguise
from tools import make_assignment
from tools.make_assignment import BEGIN, COMMON, END, HINT, differences, regenerate, strip_solutions

ROOT = Path(__file__).resolve().parent.parent
PLAN = "examples.toml"  # in the assignment's folder: half_done and mistakes


def plan(spec):
    """(half_done modules, mistakes as (module, right, wrong) tuples) from the assignment's examples.toml."""
    table = _table(spec)
    try:
        return (tuple(table.get("half_done", ())),
                tuple((m["module"], m["right"], m["wrong"]) for m in table.get("mistakes", ())))
    except (KeyError, TypeError) as error:
        raise ValueError(f"{spec.folder / PLAN}: each [[mistakes]] needs module, right and wrong ({error!r})") from None


def hang(spec):
    """(module, right, wrong): the edit of the reference that makes one function hang (examples.toml's [hang])."""
    entry = _table(spec).get("hang")
    if not isinstance(entry, dict) or not {"module", "right", "wrong"} <= set(entry):
        raise ValueError(f"{spec.folder / PLAN}: [hang] needs module, right and wrong")
    return entry["module"], entry["right"], entry["wrong"]


def _table(spec):
    """The assignment's examples.toml as a dict ({} when it has none: no mistakes, nothing half done)."""
    import tomllib
    path = spec.folder / PLAN
    if not path.is_file():
        return {}
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def finished(text):
    """A solution module as a student who finished it would hand it in: fences and hints dropped."""
    inside, lines = False, []
    for line in text.splitlines(keepends=True):
        mark = line.strip()
        if mark in (BEGIN, END):
            inside = mark == BEGIN
        elif not (inside and mark.startswith(HINT)):
            lines.append(line)
    return "".join(lines)


def _source(spec, module):
    return (spec.reference_dir / f"{module}.py").read_text(encoding="utf-8")


def _modules(spec, done):
    """module name -> source text: finished for the modules in done, stubs for the other graded
    ones, and the provided ones (with __init__) as they are."""
    texts = {module: _source(spec, module) for module in ("__init__", *spec.provided)}
    for module in spec.graded:
        text = _source(spec, module)
        texts[module] = finished(text) if module in done else strip_solutions(text, module)
    return texts


def _with_mistakes(spec, texts, mistakes):
    texts = dict(texts)
    for module, right, wrong in mistakes:
        if texts[module].count(right) != 1:
            raise ValueError(f"{spec.reference_dir / module}.py changed: cannot place the mistake {wrong.strip()!r}; "
                             f"update the mistakes in {spec.folder / PLAN}")
        texts[module] = texts[module].replace(right, wrong)
    return texts


def _write(folder, texts):
    folder.mkdir(parents=True, exist_ok=True)
    for module, text in texts.items():
        (folder / f"{module}.py").write_text(text, encoding="utf-8")


def _write_zip(spec, folder, path):
    """The zip a student's `make submit` writes of folder/<package>/: by the handout's submit tool
    (its write_zip), with the package and modules of the handout's assignment.json."""
    loaded = importlib.util.spec_from_file_location("_handout_submit", COMMON / "submit.py")
    tool = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(tool)
    settings = json.loads(make_assignment.settings(spec))
    tool.write_zip(Path(folder), path, settings["package"], settings["modules"])


def build(target, spec=None):
    """Write the five example submissions of the Assignment spec (default the default one) into
    the folder target."""
    spec = spec or assignment.load()
    half_done, mistakes = plan(spec)
    _write(target / "complete" / spec.package, _modules(spec, spec.graded))
    _write(target / "renamed_copy" / spec.package, {module: disguise(text) if module in spec.graded else text
                                                    for module, text in _modules(spec, spec.graded).items()})
    _write(target / "half_finished", _modules(spec, half_done))
    _write(target / "empty" / spec.package, _modules(spec, ()))
    with tempfile.TemporaryDirectory() as scratch:
        _write(Path(scratch) / spec.package, _with_mistakes(spec, _modules(spec, spec.graded), mistakes))
        _write_zip(spec, scratch, target / "backprop_mistakes.zip")


def _zip_members(path):
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def stale(fresh, current):
    """Paths that differ between two example trees; zips compare by their members' names and bytes."""
    found = []
    for name in differences(fresh, current):
        a, b = fresh / name, current / name
        if name.endswith(".zip") and a.is_file() and b.is_file() and _zip_members(a) == _zip_members(b):
            continue
        found.append(name)
    return found


def main(argv=None):
    return regenerate(argv, lambda spec: (spec.examples, spec.solutions), build, stale, "examples")


if __name__ == "__main__":
    sys.exit(main())
