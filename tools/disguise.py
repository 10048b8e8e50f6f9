"""Disguise a module's source as a student who copied it would: rename the local variables of
every function, reverse the order of the top-level functions, then, on the syntax tree, swap
the operands of + and *, swap adjacent independent assignments and insert a `pass` after
every other statement of each function (the text is then ast.unparse's: comments are gone and
the layout is new). Every change keeps what the code computes.

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
    ends = starts[1:] + [len(lines)]
    chunks = [(node, "".join(lines[start:end])) for node, start, end in zip(tree.body, starts, ends)]
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


SEQUENCES = (ast.Constant, ast.JoinedStr, ast.Tuple, ast.List, ast.ListComp, ast.Starred)


class _SwapOperands(ast.NodeTransformer):
    """a + b -> b + a and a * b -> b * a (one level each: the same floats), unless an operand
    may be a sequence (a literal tuple, list or string, whose + and * do not commute)."""
    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, (ast.Add, ast.Mult)) and not any(
                isinstance(n, SEQUENCES) and not (isinstance(n, ast.Constant) and isinstance(n.value, (int, float)))
                for n in (node.left, node.right)):
            node.left, node.right = node.right, node.left
        return node


def _independent(first, second):
    """Whether two statements are assignments to distinct plain names that neither reads, with
    no method called on a name the other touches (so their order cannot matter)."""
    if not all(isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name)
               for s in (first, second)):
        return False
    def reads(s):
        return {n.id for n in ast.walk(s.value) if isinstance(n, ast.Name)}
    def called(s):
        return {n.func.value.id for n in ast.walk(s.value) if isinstance(n, ast.Call)
                and isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name)} - {"np", "math"}
    a, b = first.targets[0].id, second.targets[0].id
    touched_a, touched_b = reads(first) | {a}, reads(second) | {b}
    return a != b and a not in reads(second) and b not in reads(first) and not (
        called(first) & touched_b or called(second) & touched_a)


def _rewrite_blocks(tree):
    """Swap adjacent independent assignments and insert `pass` after every other statement,
    in every block of every function."""
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            for name in ("body", "orelse", "finalbody"):
                block = getattr(node, name, None)
                if not (isinstance(block, list) and block and isinstance(block[0], ast.stmt)):
                    continue
                i = 0
                while i < len(block) - 1:
                    if _independent(block[i], block[i + 1]):
                        block[i], block[i + 1] = block[i + 1], block[i]
                        i += 1
                    i += 1
                out = []
                for j, statement in enumerate(block):
                    out.append(statement)
                    docstring = isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
                    if j % 2 == 1 and not docstring and not isinstance(statement, (ast.Return, ast.Raise, ast.Continue,
                                                                                   ast.Break)):
                        out.append(ast.Pass())
                block[:] = out
    return tree


def disguise(text, prefix=PREFIX):
    """A module's text with its locals renamed (prefix + name), its functions reordered, its
    operands and independent assignments swapped and `pass` statements inserted."""
    tree = ast.parse(reverse_functions(rename_locals(text, prefix)))
    return ast.unparse(_rewrite_blocks(_SwapOperands().visit(tree))) + "\n"
