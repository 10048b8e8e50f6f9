"""The functions a submission defines, read from its source with ast (never run): a timed-out
child may only name one of these as where it was stuck."""
import ast
from pathlib import Path


def _qualnames(body, prefix):
    """Qualified names (as code objects' co_qualname) of the functions and classes in body."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield prefix + node.name
            yield from _qualnames(node.body, f"{prefix}{node.name}.<locals>.")
        elif isinstance(node, ast.ClassDef):
            yield from _qualnames(node.body, f"{prefix}{node.name}.")
        elif isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):  # defs under a branch
            for field in ("body", "orelse", "finalbody", "handlers"):
                yield from _qualnames(getattr(node, field, []), prefix)
        elif isinstance(node, ast.ExceptHandler):
            yield from _qualnames(node.body, prefix)


def defined_functions(package):
    """frozenset of 'module.qualname' for every function in package/*.py, and 'module.<module>'
    for each module (code that runs at import). A file that does not parse defines only the latter.

    Input: package, a Path of a folder of .py files.
    """
    found = set()
    for path in sorted(Path(package).glob("*.py")):
        module = path.stem
        found.add(f"{module}.<module>")
        try:
            tree = ast.parse(path.read_bytes(), filename=path.name)
        except (SyntaxError, ValueError):
            continue
        found.update(f"{module}.{name}" for name in _qualnames(tree.body, ""))
    return frozenset(found)


def can_disable(name):
    """True if the worker can replace 'module.qualname' (a module's function, a class's method,
    or 'module.<module>'), not a function defined inside another one."""
    return "<locals>" not in name and "<lambda>" not in name
