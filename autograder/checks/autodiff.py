"""Hidden tests of gradlab/autodiff.py on expressions the grader builds.

Expressions are trees (see sandbox/child/fixtures.expression); the child evaluates them with
the student's Dual and Var, the grader with the reference's.
"""
from ..sandbox.child import fixtures
from .diagnosis import describe_cause
from .framework import CheckFailed, check, describe, expect_float, unpack

X, Y = ["var", 0], ["var", 1]
OPERATORS = {
    "x + y": ["add", X, Y], "x + 2": ["add", X, ["const", 2.0]], "2 + x": ["radd", 2.0, X],
    "x - y": ["sub", X, Y], "3 - x": ["rsub", 3.0, X], "-x": ["neg", X],
    "x * y": ["mul", X, Y], "3 * x": ["rmul", 3.0, X], "x / y": ["div", X, Y], "2 / x": ["rdiv", 2.0, X],
    "x ** 3": ["pow", X, 3.0], "x ** -0.5": ["pow", X, -0.5],
}
FUNCTIONS = {f"{name}(x)": [name, X] for name in ("exp", "log", "sin", "cos", "tanh", "sigmoid")}
FUNCTIONS["relu(x)"] = ["relu", X]
FUNCTIONS["relu(-x)"] = ["relu", ["neg", X]]
COMPOSITIONS = {
    "sin(x * y) + x / y": ["add", ["sin", ["mul", X, Y]], ["div", X, Y]],
    "sigmoid(tanh(x) * exp(y))": ["sigmoid", ["mul", ["tanh", X], ["exp", Y]]],
    "log(x ** 2 + 1) * cos(y)": ["mul", ["log", ["add", ["pow", X, 2.0], ["const", 1.0]]], ["cos", Y]],
}
FAN_OUT = {  # x used along several paths: the gradients must add up
    "x * x": ["mul", X, X], "x + x + x": ["add", ["add", X, X], X],
    "sin(x) * x + exp(x * y) * x": ["add", ["mul", ["sin", X], X], ["mul", ["exp", ["mul", X, Y]], X]],
}
POINT = [0.7, 1.3]


def _dual(t, trees, seed=(1.0, 0.0)):
    for label, tree in trees.items():
        with t.case(label):
            expected = fixtures.dual_eval(t.ref.autodiff, tree, POINT, list(seed))
            got = t.request({"op": "autodiff", "mode": "dual", "tree": tree, "args": [POINT, list(seed)]},
                            "autodiff.Dual")
            expect_float(got.get("value"), expected["value"], 1e-10, "value")
            expect_float(got.get("deriv"), expected["deriv"], 1e-10, "derivative")


def _var_grads(t, tree, repeat=1):
    """The student's value and gradients of tree at POINT after repeat calls of backward()."""
    got = t.request({"op": "autodiff", "mode": "var", "tree": tree, "args": [POINT, repeat]}, "autodiff.Var")
    if not isinstance(got, dict):
        raise CheckFailed(f"expected a Var, got {describe(got)}", "wrong_type")
    return got.get("value"), got.get("grads") or [None, None]


def _var(t, trees):
    for label, tree in trees.items():
        with t.case(label):
            expected = fixtures.var_eval(t.ref.autodiff, tree, POINT)
            value, grads = _var_grads(t, tree)
            expect_float(value, expected["value"], 1e-10, "value")
            for i, name in enumerate("xy"):
                expect_float(grads[i], expected["grads"][i], 1e-10, f"d out / d {name}")


@check("Dual.operators")
def dual_operators(t):
    _dual(t, OPERATORS, seed=(1.0, 0.5))  # both operands carry a derivative: each part of a rule shows


@check("Dual.functions")
def dual_functions(t):
    _dual(t, {**FUNCTIONS, **COMPOSITIONS}, seed=(1.0, -0.5))


@check("derivative.values")
def derivative_values(t):
    for label, tree in {**COMPOSITIONS, "x ** 3": OPERATORS["x ** 3"]}.items():
        tree = ["mul", tree, ["const", 1.0]] if label == "x ** 3" else tree
        one_var = _bind_y(tree, POINT[1])
        with t.case(label.replace("y", f"{POINT[1]}")):
            expected = t.ref.autodiff.derivative(fixtures.expression(one_var, t.ref.autodiff), POINT[0])
            result, _ = t.call("autodiff.derivative", {"__expr__": one_var}, POINT[0])
            value, deriv = unpack(result, 2, "derivative")
            expect_float(value, expected[0], 1e-10, "value")
            expect_float(deriv, expected[1], 1e-10, "derivative")


def _bind_y(tree, value):
    """The tree with y replaced by a constant: a function of x alone."""
    if tree == Y:
        return ["const", value]
    return [_bind_y(node, value) if isinstance(node, list) else node for node in tree]


@check("Var.operators")
def var_operators(t):
    _var(t, OPERATORS)


@check("Var.backward")
def var_backward(t):
    _var(t, {**FUNCTIONS, **COMPOSITIONS, **FAN_OUT})
    tree = COMPOSITIONS["sigmoid(tanh(x) * exp(y))"]
    with t.case("backward() called twice gives the same gradients"):
        expected = fixtures.var_eval(t.ref.autodiff, tree, POINT)["grads"]
        once, twice = _var_grads(t, tree)[1], _var_grads(t, tree, repeat=2)[1]
        for i, name in enumerate("xy"):
            expect_float(once[i], expected[i], 1e-10, f"d out / d {name} after one backward()")
        for i, name in enumerate("xy"):  # right after one call: any difference now comes from the first call
            try:
                expect_float(twice[i], expected[i], 1e-10, f"d out / d {name} after a second backward()")
            except CheckFailed as failure:
                raise CheckFailed(failure.message.split("\n")[0] + describe_cause(
                    "state_leaks_between_calls", "backward() must first reset the gradients of the graph's nodes "
                    "to 0, so that a second call recomputes them instead of adding to them"),
                    "state_leaks_between_calls") from None


@check("gradient.values")
def gradient_values(t):
    for label, tree in {**COMPOSITIONS, **FAN_OUT}.items():
        with t.case(label):
            expected = t.ref.autodiff.gradient(fixtures.expression(tree, t.ref.autodiff), *POINT)
            result, _ = t.call("autodiff.gradient", {"__expr__": tree}, *POINT)
            grads = unpack(result, 2, "gradient")
            for i, name in enumerate("xy"):
                expect_float(grads[i], expected[i], 1e-10, f"d f / d {name}")


@check("logistic_map.values")
def logistic_map_values(t):
    for x in (0.1, 0.37, 0.8):
        with t.case(f"value at x = {x}, n = 3 and n = 5"):
            for n in (3, 5):
                result, _ = t.call("autodiff.logistic_map", x, n)
                expect_float(result, t.ref.autodiff.logistic_map(x, n), 1e-12, f"l_{n + 1}")
        with t.case(f"forward-mode derivative at x = {x} against the lecture's closed form"):
            tree = ["logistic_map", X, 3]
            got = t.request({"op": "autodiff", "mode": "dual", "tree": tree, "args": [[x], [1.0]]},
                            "autodiff.logistic_map")
            if not isinstance(got, dict):
                raise CheckFailed(f"expected a Dual, got {describe(got)}")
            expect_float(got.get("deriv"), t.ref.autodiff.logistic_map_derivative(x), 1e-9, "f'(x)")
