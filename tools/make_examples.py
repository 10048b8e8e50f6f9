"""Generate examples/submissions/: five realistic student submissions made from solutions/.

- complete/gradlab/*.py: everything done (the reference, as a student would have written it
  into the stubs: no solution fences, no hint comments).
- backprop_mistakes.zip: gradlab/<module>.py, as the student's `make submit` zips it; complete
  but with three classic backprop mistakes: the softmax loss gradient not divided by N, the
  sigmoid derivative computed from the wrong cached value (sigmoid_forward caches its input,
  sigmoid_backward still reads the cache as the output), and no regularization gradient in
  MLP.loss.
- half_finished/*.py: module files flat (as Gradescope stores an upload); losses,
  regularizers, layers and gradcheck done, optim, nets and autodiff still the stubs.
- empty/gradlab/*.py: the handout untouched: every function raises NotImplementedError.
- renamed_copy/gradlab/*.py: complete/ copied and disguised (tools/disguise.py: local variables
  renamed, functions in another order): the planted pair the similarity report must flag.

The zip is written by the student's own submit tool (solutions/submit.py, write_zip), so its
layout is exactly what students upload.

Usage: python -m tools.make_examples [--check]
  --check  compare instead of writing; exit 1 when examples/submissions/ is stale.
"""
import importlib.util
import sys
import tempfile
import zipfile
from pathlib import Path

from tools.disguise import disguise
from tools.make_assignment import BEGIN, END, HINT, differences, regenerate, strip_solutions

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
TARGET = ROOT / "examples" / "submissions"
PROVIDED = ("__init__", "data")
GRADED = ("losses", "regularizers", "layers", "gradcheck", "optim", "nets", "autodiff")
HALF_DONE = ("losses", "regularizers", "layers", "gradcheck")
# (module, exact text in the finished module, the mistaken text): one classic bug each.
MISTAKES = (
    ("losses", "    return float(loss), dscores / N\n", "    return float(loss), dscores\n"),
    ("layers", "    out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n    return out, out\n",
     "    out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n    return out, x\n"),
    ("nets", "            grads[w_name] = dw + self.reg * dpenalty\n", "            grads[w_name] = dw\n"),
)


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


def _source(module):
    return (SOLUTIONS / "gradlab" / f"{module}.py").read_text(encoding="utf-8")


def _modules(done):
    """module name -> source text: finished for the modules in done, stubs for the other graded ones."""
    texts = {module: _source(module) for module in PROVIDED}
    for module in GRADED:
        texts[module] = finished(_source(module)) if module in done else strip_solutions(_source(module), module)
    return texts


def _with_mistakes(texts):
    texts = dict(texts)
    for module, right, wrong in MISTAKES:
        if texts[module].count(right) != 1:
            raise ValueError(f"solutions/gradlab/{module}.py changed: cannot place the mistake {wrong.strip()!r}; "
                             "update MISTAKES in tools/make_examples.py")
        texts[module] = texts[module].replace(right, wrong)
    return texts


def _write(folder, texts):
    folder.mkdir(parents=True, exist_ok=True)
    for module, text in texts.items():
        (folder / f"{module}.py").write_text(text, encoding="utf-8")


def _submit_tool():
    """The student's submit tool (solutions/submit.py), loaded for its write_zip."""
    spec = importlib.util.spec_from_file_location("gradlab_submit", SOLUTIONS / "submit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(target):
    """Write the five example submissions into the folder target."""
    _write(target / "complete" / "gradlab", _modules(GRADED))
    _write(target / "renamed_copy" / "gradlab", {module: disguise(text) if module in GRADED else text
                                                 for module, text in _modules(GRADED).items()})
    _write(target / "half_finished", _modules(HALF_DONE))
    _write(target / "empty" / "gradlab", _modules(()))
    with tempfile.TemporaryDirectory() as scratch:
        _write(Path(scratch) / "gradlab", _with_mistakes(_modules(GRADED)))
        submit = _submit_tool()
        submit.write_zip(Path(scratch), target / "backprop_mistakes.zip", submit.MODULES)


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
    return regenerate(argv, TARGET, build, SOLUTIONS, stale)


if __name__ == "__main__":
    sys.exit(main())
