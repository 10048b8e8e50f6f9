"""Build submission.zip, the file to upload: exactly the modules of gradlab the grader expects.

Usage, from this folder: python submit.py [--output submission.zip]   (or: make submit)

1. Every module of gradlab must import, checked in a fresh Python process (so a module that
   works only after some notebook cell ran is caught). If one does not, no zip is written
   and the exit status is 1. A module that imports anything but the standard library, numpy
   and gradlab itself is an error too: the grader has nothing else (the grader's own message).
2. Functions whose body is still only `raise NotImplementedError(...)` are listed as a
   warning; the zip is written anyway (finished parts earn points).
3. The zip holds gradlab/<module>.py for every module in MODULES and nothing else; other
   files in gradlab/ are not submitted, so the graded modules must not import them.
"""
import argparse
import ast
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
MODULES = ("__init__", "autodiff", "data", "gradcheck", "layers", "losses", "nets", "optim", "regularizers")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # a fixed timestamp: the zip depends on the file contents only
IMPORT_TIMEOUT = 120  # seconds

# Run by a fresh interpreter: argv = [root, module, ...]; prints {module: error} as JSON.
_IMPORT_CHECK = r"""
import importlib, json, os, sys, traceback
root = sys.argv[1]
sys.path.insert(0, root)
package = os.path.join(root, "gradlab")
errors = {}
for module in sys.argv[2:]:
    name = "gradlab" if module == "__init__" else "gradlab." + module
    try:
        imported = importlib.import_module(name)
    except BaseException as error:
        where = ""
        if isinstance(error, SyntaxError) and error.filename:
            where = f"{os.path.relpath(error.filename, root)}:{error.lineno}: "
        else:
            frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(package)]
            if frames:
                where = f"{os.path.relpath(frames[-1].filename, root)}:{frames[-1].lineno}: "
        errors[module] = f"{where}{type(error).__name__}: {error}"
        continue
    if not os.path.abspath(imported.__file__).startswith(package + os.sep):
        errors[module] = f"imported {name} from {imported.__file__}, not from {package}"
print(json.dumps(errors))
"""


def import_errors(root, modules=MODULES):
    """Import every module of root/gradlab in a fresh Python process.

    Inputs:
    - root: Path, the folder that holds gradlab/.
    - modules: sequence of module names ("__init__" is the package itself).

    Returns:
    - errors: dict mapping each module that fails to import to a one-line message
      ("gradlab/nets.py:12: NameError: ..."); empty when all import.
    """
    try:
        result = subprocess.run([sys.executable, "-c", _IMPORT_CHECK, str(root), *modules], cwd=root,
                                capture_output=True, text=True, timeout=IMPORT_TIMEOUT)
    except subprocess.TimeoutExpired:
        return {module: f"importing gradlab took over {IMPORT_TIMEOUT} s" for module in modules}
    try:
        return json.loads(result.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        message = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return {module: f"the import check crashed: {message}" for module in modules}


ALLOWED_IMPORTS = frozenset(sys.stdlib_module_names) | {"numpy", "gradlab"}


def foreign_imports(source):
    """Top-level names of the packages a Python source imports that the grader does not have.

    Found statically (nothing is run): `import x.y` and `from x import y` with x outside the
    standard library, numpy and gradlab; relative imports are gradlab's own.

    Input:
    - source: str, Python source code.

    Returns:
    - names: sorted list of package names, e.g. ["matplotlib"].
    """
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.partition(".")[0])
    return sorted(found - ALLOWED_IMPORTS)


def _raises_not_implemented(statement):
    """Whether an ast statement is `raise NotImplementedError` or `raise NotImplementedError(...)`."""
    if not isinstance(statement, ast.Raise) or statement.exc is None:
        return False
    exc = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"


def unfinished_functions(source):
    """Functions of a Python source whose body is only `raise NotImplementedError(...)`.

    Found statically: nothing is run. A docstring before the raise still counts as unfinished.

    Input:
    - source: str, Python source code.

    Returns:
    - names: list of qualified names ("MLP.loss", "l2"), in source order.
    """
    names = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if not isinstance(child, ast.ClassDef):
                    body = child.body
                    if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                            and isinstance(body[0].value.value, str)):
                        body = body[1:]  # the docstring
                    if len(body) == 1 and _raises_not_implemented(body[0]):
                        names.append(prefix + child.name)
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return names


def write_zip(root, output, modules=MODULES):
    """Write the submission zip: gradlab/<module>.py for every module, with fixed timestamps.

    Inputs:
    - root: Path, the folder that holds gradlab/.
    - output: Path of the zip; written to a temporary file first, then renamed, so a
      failure never leaves half a zip.
    - modules: sequence of module names.
    """
    handle, temporary = tempfile.mkstemp(suffix=".zip", dir=Path(output).parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
            for module in modules:
                info = zipfile.ZipInfo(f"gradlab/{module}.py", date_time=ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, (Path(root) / "gradlab" / f"{module}.py").read_bytes())
        os.replace(temporary, output)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def main(argv=None, root=ROOT):
    """Check gradlab under root and write the zip; returns the exit status (0 written, 1 not)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=root / "submission.zip", help="where to write the zip")
    args = parser.parse_args(argv)
    package = Path(root) / "gradlab"
    print(f"Checking {package}")

    missing = [module for module in MODULES if not (package / f"{module}.py").is_file()]
    errors = {module: "the file is missing" for module in missing}
    errors.update(import_errors(root, [module for module in MODULES if module not in missing]))
    for module in MODULES:
        if module not in errors:
            try:
                foreign = foreign_imports((package / f"{module}.py").read_text(encoding="utf-8"))
            except (SyntaxError, ValueError, UnicodeDecodeError):
                continue  # the import check above reports it
            if foreign:
                errors[module] = (f"it imports a package that is not installed on the grader: No module named "
                                  f"'{foreign[0]}'. Use only numpy and the standard library.")
    for module, message in sorted(errors.items()):
        print(f"  error: gradlab/{module}.py does not import: {message}")
    if errors:
        stale = f" (the older {args.output.name} here lacks your latest changes)" if args.output.exists() else ""
        print(f"Not written: {args.output.name}{stale}. Fix the errors above and run this again.")
        return 1
    print(f"  all {len(MODULES)} modules import")

    unfinished = {module: unfinished_functions((package / f"{module}.py").read_text(encoding="utf-8"))
                  for module in MODULES}
    count = sum(map(len, unfinished.values()))
    if count:
        print(f"  warning: {count} functions are not done yet, they still raise NotImplementedError:")
        for module, names in unfinished.items():
            if names:
                print(f"    gradlab/{module}.py: {', '.join(names)}")
    extra = sorted(path.name for path in package.glob("*.py") if path.stem not in MODULES)
    if extra:
        print(f"  warning: not submitted (the grader uses only the modules above): {', '.join(extra)}")

    write_zip(root, args.output, MODULES)
    print(f"Wrote {args.output} with {len(MODULES)} files: upload it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
