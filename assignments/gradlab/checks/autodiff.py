"""Hidden tests of gradlab/autodiff.py on expressions the grader builds.

Expressions are trees (see sandbox/child/fixtures.expression); the child evaluates them with
the student's Dual and Var, the grader with the reference's.
"""
from .. import child_ops as fixtures
from . import expressions
from autograder import reference, reference_cache
from autograder.checks.common import rng_for
from autograder.checks.diagnosis import describe_cause
from autograder.checks.framework import CheckFailed, Request, call_request, check, describe, expect_float, unpack

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
# Random graphs: sums over many paths, where a correct formula written differently differs in
# the last bits of terms that cancel; so the tolerance is absolute below 1 (floor 1).
GRAPH_TOL, GRAPH_FLOOR = 1e-10, 1.0
CONSTANT = ["const", 2.5]  # a function that ignores its inputs: its derivatives are 0


# The random graphs each test uses: test -> (how many, inputs per graph). Building one
# evaluates it with the reference once per definition, so they are built once, in reference_cache.
GRAPHS = {"Dual.functions": (3, 3), "derivative.values": (2, 1), "Var.backward": (3, 3), "gradient.values": (2, 3)}


def _build_graphs(ad, test, count, n_inputs):
    """[[label, tree, point]]: count seeded random graphs (see expressions.py) for a test."""
    graphs = []
    for i in range(count):
        rng = rng_for("graph", test, i)
        point = expressions.random_point(rng, max(n_inputs, 2))
        tree = expressions.random_graph(ad, rng, point)
        if n_inputs == 1:
            tree, point = _bind(tree, {1: point[1]}), point[:1]
        graphs.append([f"random graph {i}: {n_inputs} input(s), shared nodes, a kink, magnitudes of 1e4",
                       tree, point])
    return graphs


def reference_entries():
    """The random graphs of every test in GRAPHS, for reference_cache: dict entry name -> Entry
    with values {"graphs": [[label, tree, point], ...]}."""
    ad = reference.load().autodiff
    return {f"graphs-{test}": reference_cache.Entry({"graphs": _build_graphs(ad, test, *shape)}, {})
            for test, shape in GRAPHS.items()}


def _random_graphs(test):
    """[(label, tree, point)]: the test's random graphs (GRAPHS), from reference_cache."""
    return [tuple(graph) for graph in reference_cache.entry(f"graphs-{test}").values["graphs"]]


def _expect_graph_value(got, expected, what):
    expect_float(got, expected, GRAPH_TOL, what, floor=GRAPH_FLOOR)


def _evaluations(t, mode, cases, target=None, until_failure=False):
    """The student's Dual ("dual") or Var ("var") evaluating each case's tree, all in one request:
    cases is a list of (tree, args) (see child_ops.op_autodiff); per case, a function that returns
    the answer or raises CallFailed (Tester.run_each; target: default autodiff.Dual or autodiff.Var)."""
    target = target or f"autodiff.{mode.capitalize()}"
    return t.run_each([Request({"op": "autodiff", "mode": mode, "tree": tree, "args": args}, target)
                       for tree, args in cases], until_failure=until_failure)


def _dual(t, trees, seed=(1.0, 0.0)):
    answers = _evaluations(t, "dual", [(tree, [POINT, list(seed)]) for tree in trees.values()])
    for (label, tree), answer in zip(trees.items(), answers):
        with t.case(label):
            expected = fixtures.dual_eval(t.ref.autodiff, tree, POINT, list(seed))
            got = answer()
            expect_float(got.get("value"), expected["value"], 1e-10, "value")
            expect_float(got.get("deriv"), expected["deriv"], 1e-10, "derivative")


def _dual_graphs(t, test):
    graphs = [(label, tree, point, [float(d) for d in rng_for("direction", test, label).uniform(-1, 1, len(point))])
              for label, tree, point in _random_graphs(test)]
    answers = _evaluations(t, "dual", [(tree, [point, direction]) for _, tree, point, direction in graphs])
    for (label, tree, point, direction), answer in zip(graphs, answers):
        with t.case(label):
            expected = fixtures.dual_eval(t.ref.autodiff, tree, point, direction)
            got = answer()
            if not isinstance(got, dict):
                raise CheckFailed(f"expected a Dual, got {describe(got)}", "wrong_type")
            _expect_graph_value(got.get("value"), expected["value"], "value")
            _expect_graph_value(got.get("deriv"), expected["deriv"], "directional derivative")


def _var_grads(answer, point=POINT):
    """The student's value and gradients of a tree at point, from its answer (see _evaluations)."""
    got = answer()
    if not isinstance(got, dict):
        raise CheckFailed(f"expected a Var, got {describe(got)}", "wrong_type")
    grads = got.get("grads")
    return got.get("value"), grads if isinstance(grads, list) and len(grads) == len(point) else [None] * len(point)


def _var(t, trees):
    answers = _evaluations(t, "var", [(tree, [POINT, 1]) for tree in trees.values()])
    for (label, tree), answer in zip(trees.items(), answers):
        with t.case(label):
            expected = fixtures.var_eval(t.ref.autodiff, tree, POINT)
            value, grads = _var_grads(answer)
            expect_float(value, expected["value"], 1e-10, "value")
            for i, name in enumerate("xy"):
                expect_float(grads[i], expected["grads"][i], 1e-10, f"d out / d {name}")


@check("Dual.operators")
def dual_operators(t):
    _dual(t, OPERATORS, seed=(1.0, 0.5))  # both operands carry a derivative: each part of a rule shows


@check("Dual.functions")
def dual_functions(t):
    _dual(t, {**FUNCTIONS, **COMPOSITIONS}, seed=(1.0, -0.5))
    _dual_graphs(t, "Dual.functions")


@check("derivative.values")
def derivative_values(t):
    # (label, function of x, x, whether the tolerance is the random graphs')
    cases = [(label.replace("y", f"{POINT[1]}"),
              _bind_y(["mul", tree, ["const", 1.0]] if label == "x ** 3" else tree, POINT[1]), POINT[0], False)
             for label, tree in {**COMPOSITIONS, "x ** 3": OPERATORS["x ** 3"]}.items()]
    cases += [(label, tree, point[0], True) for label, tree, point in _random_graphs("derivative.values") + [
              ("a constant function: derivative 0", CONSTANT, [0.4])]]
    results = t.run_each([call_request("autodiff.derivative", {"__expr__": tree}, x) for _, tree, x, _ in cases])
    for (label, tree, x, graph), result in zip(cases, results):
        with t.case(label):
            expected = t.ref.autodiff.derivative(fixtures.expression(tree, t.ref.autodiff), x)
            value, deriv = unpack(result()[0], 2, "derivative")
            if graph:
                _expect_graph_value(value, expected[0], "value")
                _expect_graph_value(deriv, expected[1], "derivative")
            else:
                expect_float(value, expected[0], 1e-10, "value")
                expect_float(deriv, expected[1], 1e-10, "derivative")


def _bind(tree, values):
    """The tree with the inputs ["var", i] for i in values replaced by constants."""
    if isinstance(tree, list) and len(tree) == 2 and tree[0] == "var" and tree[1] in values:
        return ["const", values[tree[1]]]
    return [_bind(node, values) if isinstance(node, list) else node for node in tree]


def _bind_y(tree, value):
    """The tree with y replaced by a constant: a function of x alone."""
    return _bind(tree, {1: value})


@check("Var.operators")
def var_operators(t):
    _var(t, OPERATORS)


@check("Var.backward")
def var_backward(t):
    _var(t, {**FUNCTIONS, **COMPOSITIONS, **FAN_OUT})
    graphs = _random_graphs("Var.backward")
    for (label, tree, point), answer in zip(graphs, _evaluations(t, "var", [(tree, [point, 1])
                                                                           for _, tree, point in graphs])):
        with t.case(label):
            expected = fixtures.var_eval(t.ref.autodiff, tree, point)
            value, grads = _var_grads(answer, point)
            _expect_graph_value(value, expected["value"], "value")
            for i, want in enumerate(expected["grads"]):
                _expect_graph_value(grads[i], want, f"d out / d x{i}")
    tree = COMPOSITIONS["sigmoid(tanh(x) * exp(y))"]
    with t.case("backward() called twice gives the same gradients"):
        expected = fixtures.var_eval(t.ref.autodiff, tree, POINT)["grads"]
        answers = _evaluations(t, "var", [(tree, [POINT, 1]), (tree, [POINT, 2])], until_failure=True)
        once, twice = (_var_grads(answer)[1] for answer in answers)
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
    # (label, function, point, whether it is a random graph: its tolerance, and inputs named x0, x1, ...)
    cases = [(label, tree, POINT, False) for label, tree in {**COMPOSITIONS, **FAN_OUT}.items()]
    cases += [(label, tree, point, True) for label, tree, point in _random_graphs("gradient.values") + [
              ("a constant function: gradient 0", CONSTANT, [0.4, -1.1])]]
    results = t.run_each([call_request("autodiff.gradient", {"__expr__": tree}, *point) for _, tree, point, _ in cases])
    for (label, tree, point, graph), result in zip(cases, results):
        with t.case(label):
            expected = t.ref.autodiff.gradient(fixtures.expression(tree, t.ref.autodiff), *point)
            grads = unpack(result()[0], len(point), "gradient")
            for i, want in enumerate(expected):
                if graph:
                    _expect_graph_value(grads[i], want, f"d f / d x{i}")
                else:
                    expect_float(grads[i], want, 1e-10, f"d f / d {'xy'[i]}")


@check("logistic_map.values")
def logistic_map_values(t):
    xs = (0.1, 0.37, 0.8)
    values = t.run_each([call_request("autodiff.logistic_map", x, n) for x in xs for n in (3, 5)])
    duals = _evaluations(t, "dual", [(["logistic_map", X, 3], [[x], [1.0]]) for x in xs], "autodiff.logistic_map")
    for i, (x, dual) in enumerate(zip(xs, duals)):
        with t.case(f"value at x = {x}, n = 3 and n = 5"):
            for n, value in zip((3, 5), values[2 * i:2 * i + 2]):
                expect_float(value()[0], t.ref.autodiff.logistic_map(x, n), 1e-12, f"l_{n + 1}")
        with t.case(f"forward-mode derivative at x = {x} against the lecture's closed form"):
            got = dual()
            if not isinstance(got, dict):
                raise CheckFailed(f"expected a Dual, got {describe(got)}")
            expect_float(got.get("deriv"), t.ref.autodiff.logistic_map_derivative(x), 1e-9, "f'(x)")
