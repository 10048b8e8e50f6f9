"""Build submission.zip, the file to upload: exactly the modules of the package the grader expects.

Usage, from this folder: python submit.py [--output submission.zip]   (or: make submit)

The package and its modules are read from assignment.json beside this file (written there by
the course's generator): {"package": name, "modules": [module, ...]}, "__init__" standing for
the package itself.

1. Every module of the package must import, checked in a fresh Python process (so a module
   that works only after some notebook cell ran is caught). If one does not, no zip is written
   and the exit status is 1. A module that imports anything but the standard library, numpy
   and the package itself is an error too: the grader has nothing else (the grader's own message).
2. Functions whose body is still only `raise NotImplementedError(...)` are listed as a
   warning; the zip is written anyway (finished parts earn points).
3. The zip holds <package>/<module>.py for every module listed and nothing else; other files
   in the package are not submitted, so the graded modules must not import them.
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
SETTINGS = "assignment.json"  # what to submit: {"package": name, "modules": [module, ...]}
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # a fixed timestamp: the zip depends on the file contents only
IMPORT_TIMEOUT = 120  # seconds

# Run by a fresh interpreter: argv = [root, package, module, ...]; prints {module: error} as JSON.
_IMPORT_CHECK = r"""
import importlib, json, os, sys, traceback
root, top = sys.argv[1:3]
sys.path.insert(0, root)
package = os.path.join(root, top)
errors = {}
for module in sys.argv[3:]:
    name = top if module == "__init__" else top + "." + module
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


def settings(root=ROOT):
    """What to submit, from root/assignment.json.

    Input:
    - root: Path, the folder that holds the package and assignment.json.

    Returns:
    - (package, modules): str, the package's name; tuple of str, its module names ("__init__"
      is the package itself).
    """
    data = json.loads((Path(root) / SETTINGS).read_text(encoding="utf-8"))
    return data["package"], tuple(data["modules"])


def import_errors(root, package, modules):
    """Import every module of root/<package> in a fresh Python process.

    Inputs:
    - root: Path, the folder that holds the package.
    - package: str, the package's name.
    - modules: sequence of module names ("__init__" is the package itself).

    Returns:
    - errors: dict mapping each module that fails to import to a one-line message
      ("<package>/nets.py:12: NameError: ..."); empty when all import.
    """
    try:
        result = subprocess.run([sys.executable, "-c", _IMPORT_CHECK, str(root), package, *modules], cwd=root,
                                capture_output=True, text=True, timeout=IMPORT_TIMEOUT)
    except subprocess.TimeoutExpired:
        return {module: f"importing {package} took over {IMPORT_TIMEOUT} s" for module in modules}
    try:
        return json.loads(result.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        message = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return {module: f"the import check crashed: {message}" for module in modules}


ALLOWED_IMPORTS = frozenset(sys.stdlib_module_names) | {"numpy"}


def foreign_imports(source, package):
    """Top-level names of the packages a Python source imports that the grader does not have.

    Found statically (nothing is run): `import x.y` and `from x import y` with x outside the
    standard library, numpy and the package; relative imports are the package's own.

    Inputs:
    - source: str, Python source code.
    - package: str, the name of the package the source belongs to.

    Returns:
    - names: sorted list of package names, e.g. ["matplotlib"].
    """
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.partition(".")[0])
    return sorted(found - ALLOWED_IMPORTS - {package})


def _raises_not_implemented(statement):
    """Whether an ast statement is `raise NotImplementedError` or `raise NotImplementedError(...)`."""
    if not isinstance(statement, ast.Raise) or statement.exc is None:
        return False
    exc = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"


def _is_stub(statement, qualname):
    """Whether an ast statement is the handout's stub of the function qualname:
    `raise NotImplementedError("<qualname> is not implemented yet...")`, as the generator writes it."""
    if not (_raises_not_implemented(statement) and isinstance(statement.exc, ast.Call) and statement.exc.args):
        return False
    message = statement.exc.args[0]
    return (isinstance(message, ast.Constant) and isinstance(message.value, str)
            and message.value.startswith(f"{qualname} is not implemented yet"))


def unfinished_functions(source):
    """Functions of a Python source not done yet: whose body is only `raise NotImplementedError(...)`,
    or ends with the handout's stub naming the function (after code the handout provides, such
    as a check of the arguments).

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
                    if body and ((len(body) == 1 and _raises_not_implemented(body[0]))
                                 or _is_stub(body[-1], prefix + child.name)):
                        names.append(prefix + child.name)
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return names


def write_zip(root, output, package, modules):
    """Write the submission zip: <package>/<module>.py for every module, with fixed timestamps.

    Inputs:
    - root: Path, the folder that holds the package.
    - output: Path of the zip; written to a temporary file first, then renamed, so a
      failure never leaves half a zip.
    - package: str, the package's name.
    - modules: sequence of module names.
    """
    handle, temporary = tempfile.mkstemp(suffix=".zip", dir=Path(output).parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
            for module in modules:
                info = zipfile.ZipInfo(f"{package}/{module}.py", date_time=ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, (Path(root) / package / f"{module}.py").read_bytes())
        os.replace(temporary, output)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def main(argv=None, root=ROOT):
    """Check the package under root and write the zip; returns the exit status (0 written, 1 not)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=root / "submission.zip", help="where to write the zip")
    args = parser.parse_args(argv)
    try:
        name, modules = settings(root)
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"Cannot read {SETTINGS} beside this tool ({type(error).__name__}: {error}): it says what to "
              f"submit; copy it again from the handout.")
        return 1
    package = Path(root) / name
    print(f"Checking {package}")

    missing = [module for module in modules if not (package / f"{module}.py").is_file()]
    errors = {module: "the file is missing" for module in missing}
    errors.update(import_errors(root, name, [module for module in modules if module not in missing]))
    for module in modules:
        if module not in errors:
            try:
                foreign = foreign_imports((package / f"{module}.py").read_text(encoding="utf-8"), name)
            except (SyntaxError, ValueError, UnicodeDecodeError):
                continue  # the import check above reports it
            if foreign:
                errors[module] = (f"it imports a package that is not installed on the grader: No module named "
                                  f"'{foreign[0]}'. Use only numpy and the standard library.")
    for module, message in sorted(errors.items()):
        print(f"  error: {name}/{module}.py does not import: {message}")
    if errors:
        stale = f" (the older {args.output.name} here lacks your latest changes)" if args.output.exists() else ""
        print(f"Not written: {args.output.name}{stale}. Fix the errors above and run this again.")
        return 1
    print(f"  all {len(modules)} modules import")

    unfinished = {module: unfinished_functions((package / f"{module}.py").read_text(encoding="utf-8"))
                  for module in modules}
    count = sum(map(len, unfinished.values()))
    if count:
        print(f"  warning: {count} functions are not done yet, they still raise NotImplementedError:")
        for module, names in unfinished.items():
            if names:
                print(f"    {name}/{module}.py: {', '.join(names)}")
    extra = sorted(path.name for path in package.glob("*.py") if path.stem not in modules)
    if extra:
        print(f"  warning: not submitted (the grader uses only the modules above): {', '.join(extra)}")

    write_zip(root, args.output, name, modules)
    print(f"Wrote {args.output} with {len(modules)} files: upload it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
