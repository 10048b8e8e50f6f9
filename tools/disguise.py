"""Disguise a module's source as a student who copied it would: rename the local variables of
every function and reverse the order of the top-level functions.

Used by tools/make_examples.py for the planted copy the similarity report must find. The text
is rewritten from its syntax tree's positions, never run. Parameters keep their names (callers
may pass them by keyword); so do names a nested function or lambda binds as parameters, and
names declared global or nonlocal.

Usage: disguise(text, prefix="my_") -> text
"""
import ast

PREFIX = "my_"


def _functions(tree):
    """Top-level functions and the methods of top-level classes."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node
        elif isinstance(node, ast.ClassDef):
            yield from (n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))


def _locals(function):
    """The names a function assigns that can be renamed, and every ast.Name of them in it."""
    kept = {a.arg for node in ast.walk(function) if isinstance(node, ast.arguments)
            for a in node.posonlyargs + node.args + node.kwonlyargs + [node.vararg, node.kwarg] if a}
    kept |= {n for node in ast.walk(function) if isinstance(node, (ast.Global, ast.Nonlocal)) for n in node.names}
    names = [node for node in ast.walk(function) if isinstance(node, ast.Name)]
    assigned = {node.id for node in names if isinstance(node.ctx, ast.Store)} - kept
    return [node for node in names if node.id in assigned]


def rename_locals(text, prefix=PREFIX):
    """text with every function's local variables renamed to prefix + name."""
    lines = text.splitlines(keepends=True)
    edits = sorted(((n.lineno, n.col_offset, n.end_col_offset, n.id) for f in _functions(ast.parse(text))
                    for n in _locals(f)), reverse=True)  # from the end, so earlier offsets stay right
    for lineno, start, end, name in edits:
        line = lines[lineno - 1].encode("utf-8")  # ast's offsets count UTF-8 bytes
        lines[lineno - 1] = (line[:start] + (prefix + name).encode("utf-8") + line[end:]).decode("utf-8")
    return "".join(lines)


def reverse_functions(text):
    """text with each run of consecutive top-level functions in reverse order (classes and other
    statements stay where they are, so nothing is used before it is defined at import)."""
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    starts = [min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1 for node in tree.body]
    chunks = [(node, "".join(lines[start:end])) for node, start, end in zip(tree.body, starts, starts[1:] + [len(lines)])]
    head = "".join(lines[:starts[0]]) if starts else text
    out, run = [head], []
    for node, chunk in chunks + [(None, "")]:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            run.append(chunk if chunk.endswith("\n\n\n") else chunk.rstrip("\n") + "\n\n\n")
            continue
        out += reversed(run)
        run = []
        out.append(chunk)
    return "".join(out).rstrip("\n") + "\n"


def disguise(text, prefix=PREFIX):
    """A module's text with its locals renamed (prefix + name) and its functions reordered."""
    return reverse_functions(rename_locals(text, prefix))
