"""Reference automatic differentiation: Dual (forward) and Var (reverse) against math and differences."""
import math

import pytest

from gradlab import autodiff
from gradlab.autodiff import Dual, Var
from numdiff import derivative

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
}
POWERS = [2, 3, 0.5, -1, -2.5]
FUNCTIONS = {
    "exp": (autodiff.exp, math.exp),
    "log": (autodiff.log, math.log),
    "sin": (autodiff.sin, math.sin),
    "cos": (autodiff.cos, math.cos),
    "tanh": (autodiff.tanh, math.tanh),
    "sigmoid": (autodiff.sigmoid, lambda t: 1.0 / (1.0 + math.exp(-t))),
    "relu": (autodiff.relu, lambda t: max(t, 0.0)),
}
POINTS = [-1.7, 0.3, 2.2]  # log is taken of abs(point)


def close(a, b, tol=1e-12):
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def numeric_close(a, b):
    """Agreement with a centered difference at h = 1e-5."""
    return math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-9)


@pytest.mark.parametrize("op", BINARY)
@pytest.mark.parametrize("x, c", [(1.5, 0.7), (-2.0, 3.0)])
def test_dual_operators_with_a_number_on_either_side(op, x, c):
    f = BINARY[op]
    for g in (lambda t: f(t, c), lambda t: f(c, t)):
        out = g(Dual(x, 1.0))
        assert isinstance(out, Dual)
        assert close(out.value, g(x)) and numeric_close(out.deriv, derivative(g, x))


@pytest.mark.parametrize("op", BINARY)
def test_dual_operators_between_duals(op):
    # x = 1.5 seeded with 1, y = -0.8 carrying dy/dt = 2: d f(x, y) / dt = f_x + 2 f_y.
    f, x, y = BINARY[op], 1.5, -0.8
    out = f(Dual(x, 1.0), Dual(y, 2.0))
    expected = derivative(lambda t: f(t, y), x) + 2 * derivative(lambda t: f(x, t), y)
    assert close(out.value, f(x, y)) and numeric_close(out.deriv, expected)


@pytest.mark.parametrize("p", POWERS)
def test_dual_power_and_negation(p):
    out = Dual(1.3, 2.0) ** p
    assert close(out.value, 1.3 ** p) and close(out.deriv, 2.0 * p * 1.3 ** (p - 1))
    neg = -Dual(1.3, 2.0)
    assert (neg.value, neg.deriv) == (-1.3, -2.0)


@pytest.mark.parametrize("op", BINARY)
@pytest.mark.parametrize("x, c", [(1.5, 0.7), (-2.0, 3.0)])
def test_var_operators_with_a_number_on_either_side(op, x, c):
    f = BINARY[op]
    for g in (lambda t: f(t, c), lambda t: f(c, t)):
        v = Var(x)
        out = g(v)
        assert isinstance(out, Var) and close(out.value, g(x))
        out.backward()
        assert numeric_close(v.grad, derivative(g, x))


@pytest.mark.parametrize("op", BINARY)
def test_var_operators_between_vars(op):
    f, x, y = BINARY[op], 1.5, -0.8
    dx, dy = autodiff.gradient(f, x, y)
    assert numeric_close(dx, derivative(lambda t: f(t, y), x))
    assert numeric_close(dy, derivative(lambda t: f(x, t), y))


@pytest.mark.parametrize("p", POWERS)
def test_var_power_and_negation(p):
    assert close(autodiff.gradient(lambda t: t ** p, 1.3)[0], p * 1.3 ** (p - 1))
    assert autodiff.gradient(lambda t: -t, 1.3) == (-1.0,)


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("point", POINTS)
def test_functions_on_float_dual_and_var(name, point):
    ours, reference = FUNCTIONS[name]
    x = abs(point) if name == "log" else point
    value = reference(x)
    slope = derivative(reference, x)
    plain = ours(x)
    assert isinstance(plain, float) and close(plain, value)
    dual = ours(Dual(x, 2.0))
    assert isinstance(dual, Dual) and close(dual.value, value) and numeric_close(dual.deriv, 2.0 * slope)
    var = Var(x)
    out = ours(var)
    assert isinstance(out, Var) and close(out.value, value)
    out.backward()
    assert numeric_close(var.grad, slope)


def test_relu_derivative_is_zero_at_zero():
    assert autodiff.relu(Dual(0.0, 1.0)).deriv == 0.0
    assert autodiff.gradient(autodiff.relu, 0.0) == (0.0,)
    assert autodiff.gradient(lambda t: t.relu(), 0.0) == (0.0,)
    assert autodiff.gradient(lambda t: t.relu(), 2.0) == (1.0,)
    assert autodiff.gradient(lambda t: t.relu(), -2.0) == (0.0,)


@pytest.mark.parametrize("x", [1e4, -1e4, 800.0, -800.0])
def test_sigmoid_finite_on_large_inputs(x):
    expected = 1.0 if x > 0 else 0.0
    assert autodiff.sigmoid(x) == expected
    dual = autodiff.sigmoid(Dual(x, 1.0))
    assert dual.value == expected and dual.deriv == 0.0
    assert autodiff.gradient(autodiff.sigmoid, x) == (0.0,)


def composite(t):
    return autodiff.sin(t) * autodiff.exp(t) / (1 + t ** 2) - 3 * autodiff.tanh(t) + autodiff.log(2 + t * t)


@pytest.mark.parametrize("x", [-1.2, 0.0, 0.4, 2.5])
def test_derivative_and_gradient_of_a_composite(x):
    value, deriv = autodiff.derivative(composite, x)
    assert isinstance(value, float) and close(value, composite(x))
    assert numeric_close(deriv, derivative(composite, x))
    assert close(autodiff.gradient(composite, x)[0], deriv)


def test_derivative_of_a_constant_is_zero():
    assert autodiff.derivative(lambda t: 4.0, 1.0) == (4.0, 0.0)


def test_gradient_of_several_inputs():
    def f(a, b, c):
        return a * b + autodiff.sin(c) * a / b - c ** 2

    point = (0.7, -1.3, 2.1)
    grads = autodiff.gradient(f, *point)
    assert isinstance(grads, tuple) and len(grads) == 3
    for i, grad in enumerate(grads):
        def partial(t, i=i):
            return f(*point[:i], t, *point[i + 1:])
        assert numeric_close(grad, derivative(partial, point[i]))
    assert autodiff.gradient(lambda a, b: a * a, 3.0, 5.0) == (6.0, 0.0)


def test_var_fan_out_accumulates():
    x = Var(3.0)
    (x * x).backward()
    assert x.grad == 6.0
    (x + x).backward()
    assert x.grad == 2.0
    y = x * x
    z = y * x + y  # x^3 + x^2
    z.backward()
    assert z.value == 36.0 and x.grad == 27.0 + 6.0 and y.grad == 4.0


def test_backward_twice_gives_the_same_gradients():
    a, b = Var(0.5), Var(-2.0)
    out = autodiff.exp(a * b) + a / b + a * a
    out.backward()
    first = (a.grad, b.grad, out.grad)
    out.backward()
    assert (a.grad, b.grad, out.grad) == first
    assert first[2] == 1.0


def test_deep_graph_does_not_hit_the_recursion_limit():
    x = Var(0.5)
    v = x
    for _ in range(20000):
        v = v + x
    v.backward()
    assert v.value == 0.5 * 20001 and x.grad == 20001.0


def closed_form(x):
    """The lecture's f(x) = l_4 in closed form."""
    return 64 * x * (1 - x) * (1 - 2 * x) ** 2 * (1 - 8 * x + 8 * x * x) ** 2


LOGISTIC_POINTS = [0.02, 0.1, 0.23, 0.37, 0.5, 0.61, 0.8, 0.97]


@pytest.mark.parametrize("x", LOGISTIC_POINTS)
def test_logistic_map_equals_its_closed_form(x):
    assert close(autodiff.logistic_map(x), closed_form(x))
    assert close(autodiff.logistic_map(x, n=1), 4 * x * (1 - x))
    assert autodiff.logistic_map(x, n=0) == x


@pytest.mark.parametrize("x", LOGISTIC_POINTS)
def test_logistic_map_derivative_four_ways(x):
    manual = autodiff.logistic_map_derivative(x)
    numeric = derivative(closed_form, x)
    forward = autodiff.logistic_map(Dual(x, 1.0))
    var = Var(x)
    reverse = autodiff.logistic_map(var)
    reverse.backward()
    assert isinstance(forward, Dual) and isinstance(reverse, Var)
    assert math.isclose(manual, numeric, rel_tol=1e-7, abs_tol=1e-7)
    assert math.isclose(forward.deriv, manual, rel_tol=1e-10, abs_tol=1e-10)
    assert math.isclose(var.grad, manual, rel_tol=1e-10, abs_tol=1e-10)
    assert autodiff.derivative(autodiff.logistic_map, x) == (forward.value, forward.deriv)
    assert autodiff.gradient(autodiff.logistic_map, x) == (var.grad,)


def test_logistic_map_derivative_known_values():
    # f = 64x + O(x^2) near 0, and (1 - 2x)^2 makes x = 1/2 a double root of f.
    assert autodiff.logistic_map_derivative(0.0) == 64.0
    assert autodiff.logistic_map_derivative(0.5) == 0.0
    assert autodiff.derivative(autodiff.logistic_map, 0.0) == (0.0, 64.0)
