"""assignment/ is generated from solutions/: it must be current, and its stubs must be stubs."""
import ast
import importlib
import inspect
import sys

import pytest

from tools import make_assignment

ROOT = make_assignment.ROOT


def test_assignment_is_generated_from_solutions():
    assert make_assignment.main(["--check"]) == 0, "assignment/ is stale: run `make assignment`"


def test_strip_solutions_names_the_function_and_keeps_the_hint():
    source = (
        "class A:\n"
        "    def f(self, x):\n"
        '        """Doc."""\n'
        "        ### BEGIN SOLUTION\n"
        "        # HINT: add one.\n"
        "        return x + 1\n"
        "        ### END SOLUTION\n"
    )
    stub = make_assignment.strip_solutions(source)
    assert "return x + 1" not in stub and '"""Doc."""' in stub
    assert "raise NotImplementedError('A.f is not implemented yet. Hint: add one.')" in stub


@pytest.mark.parametrize("bad", ["### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n",
                                 "def f():\n    ### BEGIN SOLUTION\n    return 1\n",
                                 "def f():\n    return 1\n    ### END SOLUTION\n"])
def test_strip_solutions_rejects_malformed_blocks(bad):
    with pytest.raises(ValueError):
        make_assignment.strip_solutions(bad)


def _stubbed_functions():
    """(module name, qualified name) of every function whose body the generator replaced."""
    found = []
    for path in sorted((ROOT / "assignment" / "gradlab").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            for child in (node.body if isinstance(getattr(node, "body", None), list) else []):
                if isinstance(child, ast.FunctionDef) and any(
                        isinstance(stmt, ast.Raise) and "NotImplementedError" in ast.unparse(stmt)
                        for stmt in child.body):
                    owner = node.name + "." if isinstance(node, ast.ClassDef) else ""
                    found.append((path.stem, owner + child.name))
    return found


@pytest.fixture
def stub_package(monkeypatch):
    """Import gradlab from assignment/ (the stubs), isolated from any other gradlab."""
    for name in [m for m in sys.modules if m == "gradlab" or m.startswith("gradlab.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.syspath_prepend(str(ROOT / "assignment"))
    yield
    for name in [m for m in sys.modules if m == "gradlab" or m.startswith("gradlab.")]:
        del sys.modules[name]


def test_every_stub_raises_not_implemented_naming_itself(stub_package):
    stubs = _stubbed_functions()
    assert len(stubs) >= 40
    for module_name, qualname in stubs:
        module = importlib.import_module(f"gradlab.{module_name}")
        assert module.__file__.startswith(str(ROOT / "assignment"))
        owner, _, name = qualname.rpartition(".")
        function = getattr(getattr(module, owner), name) if owner else getattr(module, name)
        parameters = list(inspect.signature(function).parameters.values())
        # Arguments are never looked at: every stub raises before using them.
        args = [None] * sum(p.default is inspect.Parameter.empty and p.kind == p.POSITIONAL_OR_KEYWORD
                            for p in parameters)
        with pytest.raises(NotImplementedError, match=qualname.replace(".", r"\.")):
            function(*args)
