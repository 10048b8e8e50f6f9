"""A module's source in a canonical form, so cheap disguises and formatters change nothing.

The text is parsed with Python's ast (never compiled or run) and written back by ast.unparse,
which fixes the layout (a formatter, line breaks, quotes, comments, redundant parentheses no
longer count). Before that:
- docstrings, `pass`, expression statements that do nothing (a constant, a name, a print
  call) and, in functions, stores of call-free values in names never read are dropped: a
  no-op inserted after every statement disappears;
- the operands of a chain of +, *, &, |, ^ are sorted, and a > b is written b < a: swapping
  operands changes nothing;
- in each block, statements that do not depend on each other are put in a canonical order: of
  those whose predecessors (statements they touch a name of) are placed, the smallest first.
  Swapping two independent statements changes neither who depends on whom nor this order.
The keys that order operands and statements ignore names and strings (as the comparison does),
so renaming variables does not change the order either. Text that does not parse (or nests too
deeply) is compared as it is.
"""
import ast
import builtins
import heapq

COMMUTATIVE = (ast.Add, ast.Mult, ast.BitAnd, ast.BitOr, ast.BitXor)
FLIPPED = {ast.Gt: ast.Lt, ast.GtE: ast.LtE}
KEPT_NAMES = frozenset(dir(builtins)) | {"self", "cls"}  # names copydetect's tokens keep (the rest become V)
SIMPLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr)  # statements that may move past each other


def _key(node):
    """A sort key of a node that ignores names, parameter names and strings (but the builtins'
    names and self, which the comparison keeps)."""
    def blank(value):
        if isinstance(value, ast.AST):
            fields = []
            for name, child in ast.iter_fields(value):
                if name == "ctx" or (name in ("id", "arg") and child not in KEPT_NAMES) or (
                        isinstance(value, ast.Constant) and isinstance(child, str)):
                    continue
                fields.append(blank(child))
            return f"{type(value).__name__}({','.join(fields)})"
        if isinstance(value, list):
            return "[" + ",".join(blank(v) for v in value) + "]"
        return repr(value)
    return blank(node)


def _calls(node):
    """Whether evaluating node may do something (a call, await, yield or := inside it)."""
    return any(isinstance(n, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)) for n in ast.walk(node))


def _noop(statement):
    """Whether a statement does nothing worth comparing (pass, a bare value, a print call)."""
    if isinstance(statement, ast.Pass):
        return True
    if not isinstance(statement, ast.Expr):
        return False
    value = statement.value
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "print":
        return True
    return not _calls(value)


def _root(node):
    """The name an assignment target or a method call's object starts from (x of x.a[i].b)."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _touches(statement):
    """(names written, names read) of a simple statement, or None for any other (a barrier)."""
    if not isinstance(statement, SIMPLE):
        return None
    if isinstance(statement, ast.Expr):  # a call: its object may change
        targets = [statement.value.func] if isinstance(statement.value, ast.Call) else []
    else:
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    written = {_root(n) for t in targets for n in ast.walk(t) if _root(n)} if targets else set()
    read = {n.id for n in ast.walk(statement) if isinstance(n, ast.Name)}
    return written, read


def _segment_order(statements, touches):
    """Simple statements (no barrier among them) in canonical order, in O(n log n): each
    statement waits for the last writer of every name it touches and, when it writes a name,
    for the readers of that name since its last write (which implies every dependence).
    touches: the statements' _touches, computed once by the caller."""
    waits_for = [set() for _ in statements]
    last_write, readers = {}, {}
    for i, (written, read) in enumerate(touches):
        for name in written | read:
            if name in last_write:
                waits_for[i].add(last_write[name])
        for name in written:
            waits_for[i].update(readers.pop(name, ()))
            last_write[name] = i
        for name in read - written:
            readers.setdefault(name, []).append(i)
        waits_for[i].discard(i)
    unlocks = [[] for _ in statements]
    for i, earlier in enumerate(waits_for):
        for j in earlier:
            unlocks[j].append(i)
    pending = [len(w) for w in waits_for]
    keys = [_key(s) for s in statements]
    ready = [(keys[i], i) for i in range(len(statements)) if not pending[i]]
    heapq.heapify(ready)
    order = []
    while ready:
        _, i = heapq.heappop(ready)
        order.append(statements[i])
        for j in unlocks[i]:
            pending[j] -= 1
            if not pending[j]:
                heapq.heappush(ready, (keys[j], j))
    return order


def _ordered(statements):
    """statements in the canonical order that keeps every dependence (see the module's doc):
    the runs of simple statements between barriers (if, for, return, ...) are ordered alone."""
    out, run, touches = [], [], []
    for statement in statements + [None]:
        touched = None if statement is None else _touches(statement)
        if touched is not None:
            run.append(statement)
            touches.append(touched)
            continue
        out += _segment_order(run, touches)
        run, touches = [], []
        if statement is not None:
            out.append(statement)
    return out


def _dead(statement, loaded):
    """Whether a statement only stores a value computed without a call in names never read
    (loaded: every name read anywhere in the module), such as an inserted `_t1 = 1`."""
    return (isinstance(statement, ast.Assign) and all(isinstance(t, ast.Name) and t.id not in loaded
                                                      for t in statement.targets)
            and not _calls(statement.value))


class _Canonical(ast.NodeTransformer):
    def __init__(self, tree):
        self.loaded = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Store)}
        self.loaded |= {name for n in ast.walk(tree) if isinstance(n, (ast.Global, ast.Nonlocal)) for name in n.names}

    def generic_visit(self, node):
        super().generic_visit(node)
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                local = not isinstance(node, (ast.Module, ast.ClassDef))  # module and class names may be read elsewhere
                kept = [s for s in block if not (_noop(s) or (local and _dead(s, self.loaded)))]
                empty = [ast.Pass()] if name == "body" and not isinstance(node, ast.Module) else []
                setattr(node, name, _ordered(kept) if kept else empty)
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if not isinstance(node.op, COMMUTATIVE):
            return node
        operands = []

        def flatten(n):
            if isinstance(n, ast.BinOp) and type(n.op) is type(node.op):
                flatten(n.left)
                flatten(n.right)
            else:
                operands.append(n)
        flatten(node)
        operands.sort(key=_key)
        out = operands[0]
        for operand in operands[1:]:
            out = ast.BinOp(out, type(node.op)(), operand)
        return out

    def visit_Compare(self, node):
        self.generic_visit(node)
        if len(node.ops) == 1 and type(node.ops[0]) in FLIPPED:
            return ast.Compare(node.comparators[0], [FLIPPED[type(node.ops[0])]()], [node.left])
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            left, right = sorted((node.left, node.comparators[0]), key=_key)
            return ast.Compare(left, node.ops, [right])
        return node


def normalized(text):
    """text (Python source) in the canonical form above; text itself when it does not parse."""
    try:
        tree = ast.parse(text)
        return ast.unparse(ast.fix_missing_locations(_Canonical(tree).visit(tree)))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return text
