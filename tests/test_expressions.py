"""The random expression graphs of the autodiff checks (assignments/gradlab/checks/expressions.py) and the
fixtures that evaluate them: every operator, shared interior nodes, a kink, large magnitudes;
the reference's forward and reverse modes agree on them, and with centered differences."""
import json

import numpy as np
import pytest

from gradlab import autodiff
from mutate import part

expressions, fixtures = part("checks.expressions"), part("child_ops")

SEEDS = range(30)


def _graph(seed, kinks=True):
    rng = np.random.default_rng(seed)
    point = expressions.random_point(rng)
    return expressions.random_graph(autodiff, rng, point, kinks=kinks), point


def _ops(tree):
    """The operator names used anywhere in a tree (or a list of trees)."""
    if not isinstance(tree, list):
        return set()
    head = {tree[0]} if tree and isinstance(tree[0], str) else set()
    return head | set().union(*(_ops(child) for child in tree))


@pytest.mark.parametrize("seed", SEEDS)
def test_a_graph_has_every_operator_shared_nodes_a_kink_and_large_magnitudes(seed):
    tree, point = _graph(seed)
    assert set(expressions.OPERATORS) <= _ops(tree)
    references = [j for definition in tree[1] for j in expressions._references(definition)]
    assert any(references.count(j) > 1 for j in set(references))  # an interior node on two paths
    assert json.dumps(["relu", ["sub", ["var", 0], ["const", point[0]]]]) in json.dumps(tree)  # exactly at 0
    assert any(d[0] == "sigmoid" and d[1][:2] == ["rmul", expressions.LARGE] for d in tree[1])
    assert np.isfinite(fixtures.expression(tree, autodiff)(*point))


def test_the_same_seed_gives_the_same_graph():
    assert _graph(4) == _graph(4) and _graph(4) != _graph(5)


@pytest.mark.parametrize("seed", SEEDS)
def test_reverse_mode_matches_forward_mode_and_centered_differences(seed):
    tree, point = _graph(seed, kinks=seed % 2 == 0)
    grads = fixtures.var_eval(autodiff, tree, point)["grads"]
    f = fixtures.expression(tree, autodiff)
    for i in range(len(point)):
        seed_vector = [float(j == i) for j in range(len(point))]
        forward = fixtures.dual_eval(autodiff, tree, point, seed_vector)["deriv"]
        assert abs(forward - grads[i]) <= 1e-10 * max(1.0, abs(grads[i]))
        if seed % 2:  # without the kink, where a difference sees the mean of the two slopes
            h = 1e-6
            up = [x + h * (j == i) for j, x in enumerate(point)]
            down = [x - h * (j == i) for j, x in enumerate(point)]
            assert abs((f(*up) - f(*down)) / (2 * h) - grads[i]) <= 1e-5 * max(1.0, abs(grads[i]))


def test_a_shared_node_is_one_object_whose_gradients_add_up():
    tree = ["dag", [["mul", ["var", 0], ["var", 1]], ["add", ["node", 0], ["sin", ["node", 0]]]]]
    x, y = 0.3, -1.2
    got = fixtures.var_eval(autodiff, tree, [x, y])["grads"]
    assert got == pytest.approx([y * (1 + np.cos(x * y)), x * (1 + np.cos(x * y))], rel=1e-12)
