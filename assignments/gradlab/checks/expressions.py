"""Random expression graphs for the autodiff checks, generated from a seed.

A graph is a fixtures.expression tree of the form ["dag", [definition, ...]]: every definition
applies one operator or function to earlier definitions (["node", j]) or inputs (["var", i]),
so interior nodes are shared by several paths, operands carry inner derivatives other than 1,
and every operator and function of the assignment occurs in every graph. Each graph also holds
a rectifier exactly at its kink, sigmoids and tanh of arguments of magnitude about 1e4, and a
sigmoid of a negative argument. The output is the sum of every definition nothing else uses, so
each one reaches it. Values are computed with the reference (on floats) while the graph grows,
to keep every operation inside its domain (log of a positive number, no division by about 0).
"""
import math

import numpy as np

from .. import child_ops as fixtures

OPERATORS = ("add", "sub", "mul", "div", "radd", "rsub", "rmul", "rdiv", "pow", "neg",
             "exp", "log", "sin", "cos", "tanh", "sigmoid", "relu")
EXPONENTS = (2.0, 3.0, -1.0, 0.5, -0.5, 1.5)
LARGE = 1e4
BOUND = 5.0  # a definition whose value grows past this goes through sin: exp stays finite, and
# no derivative grows so large that rounding in a correct but different formula shows


def random_point(rng, n_inputs=3):
    """Inputs away from 0 (so a kink is only where the graph puts one): the first positive, the
    second in (-1, -0.3) (a sigmoid's negative branch near 0), the rest of either sign."""
    point = [float(rng.uniform(0.3, 2.0)), float(-rng.uniform(0.3, 1.0))]
    point += [float(rng.choice([-1.0, 1.0]) * rng.uniform(0.3, 2.0)) for _ in range(n_inputs - 2)]
    return point


def _references(tree):
    """The indices j of the ["node", j] inside a tree."""
    if not isinstance(tree, list):
        return []
    if tree and tree[0] == "node":
        return [tree[1]]
    return [j for child in tree[1:] for j in _references(child)]


def _value(ad, tree, point):
    return fixtures.expression(tree, ad)(*point)


def random_graph(ad, rng, point, size=None, kinks=True):
    """A random graph over len(point) inputs (at least 2).

    Inputs:
    - ad: the reference autodiff module (values only, on floats).
    - rng: np.random.Generator; the same seed gives the same graph.
    - point: list of floats, the inputs the graph is built for (domains hold there).
    - size: number of random definitions (default: one per operator, in a random order).
    - kinks: whether to add the rectifier exactly at its kink (a numerical difference there
      shows the average of the two slopes, not the convention).

    Returns: the tree (plain lists).
    """
    definitions, values = [], []
    inputs = [["var", i] for i in range(len(point))]

    def add(tree):
        value = _value(ad, ["dag", definitions + [tree]], point)
        if abs(value) > BOUND:
            tree, value = ["sin", tree], math.sin(value)
        definitions.append(tree)
        values.append(value)
        return len(definitions) - 1

    def operand(recent, other=None):
        """The last definition (for depth), or for a second operand (other: the first) an input
        or any earlier definition: paths of different lengths meet at shared interior nodes."""
        if definitions and recent:
            return ["node", len(definitions) - 1], values[-1]
        choices = [i for i in range(len(definitions)) if ["node", i] != other]
        if choices and rng.random() < 0.6:
            index = choices[int(rng.integers(len(choices)))]
            return ["node", index], values[index]
        i = int(rng.integers(len(point)))
        return inputs[i], point[i]

    def safe_denominator(tree, value):
        return (tree if abs(value) >= 0.2 else ["add", tree, ["const", 1.0 if value >= 0 else -1.0]])

    order = [OPERATORS[i] for i in rng.permutation(len(OPERATORS))]
    for op in order if size is None else [OPERATORS[i] for i in rng.integers(len(OPERATORS), size=size)]:
        a, va = operand(recent=True)
        if op in ("add", "sub", "mul"):
            tree = [op, a, operand(recent=False, other=a)[0]]
        elif op == "div":
            b, vb = operand(recent=False, other=a)
            tree = ["div", a, safe_denominator(b, vb)]
        elif op in ("radd", "rsub", "rmul"):
            tree = [op, float(np.round(rng.uniform(-3, 3), 3)), a]
        elif op == "rdiv":
            tree = ["rdiv", float(np.round(rng.uniform(-3, 3), 3)), safe_denominator(a, va)]
        elif op == "pow":
            p = float(rng.choice(EXPONENTS))
            if va < 0.2 and not float(p).is_integer() or abs(va) < 0.2 and p < 0:
                p = float(rng.choice([2.0, 3.0]))
            tree = ["pow", a, p]
        elif op == "log":
            tree = ["log", a if va > 0.05 else ["add", ["pow", a, 2.0], ["const", 1.0]]]
        elif op == "exp":
            tree = ["exp", a if va < 5 else ["neg", a]]
        elif op == "relu":  # on the side where the gradient flows (the kink has its own definitions)
            tree = ["relu", a if va > 0 else ["neg", a]]
        else:  # neg and the functions of one argument
            tree = [op, a]
        add(tree)
    # Fixed features: a kink, large magnitudes both ways, a sigmoid's negative branch near 0.
    # An early interior node used again at the end: reached along a long and a short path.
    extras = [["mul", ["node", len(definitions) - 1], ["node", min(2, len(definitions) - 1)]],
              ["sigmoid", inputs[1]], ["sigmoid", ["rmul", LARGE, inputs[1]]],
              ["tanh", ["rmul", LARGE, inputs[0]]], ["sigmoid", ["rmul", LARGE, inputs[0]]]]
    if kinks:
        extras.append(["mul", ["relu", ["sub", inputs[0], ["const", point[0]]]], inputs[-1]])
        extras.append(["relu", ["rsub", point[1], inputs[1]]])
    for tree in extras:
        add(tree)
    # The output: every definition that no other one uses, summed (interior nodes used twice
    # along the way add the fan-out inside the graph).
    used = {j for tree in definitions for j in _references(tree)}
    pending = [i for i in range(len(definitions)) if i not in used]
    total = pending[0]
    for index in pending[1:]:
        total = add(["add", ["node", total], ["node", index]])
    return ["dag", definitions]
