"""Section 5, the logistic map four ways: public tests of gradlab.autodiff (Dual and Var).

Run with pytest (`make check`) or in the notebook with grader.check("q5"): see support/otter_cases.py.
"""
import math

import numpy as np

from gradlab import autodiff
from tests.support.contract import describe, floats, number, returned
from tests.support.numeric import numerical_gradient
from tests.support.otter_cases import otter_cases

OK_FORMAT = False  # otter: a Python-format test file
name = "q5"

POINTS = [0.1, 0.25, 0.37, 0.6, 0.9]


def _polynomial(x):
    """x**3 - 2x + 1/x - (1 - x) / 4 + 3 / (2 + x), with plain numbers on either side."""
    return x ** 3 - 2 * x + 1 / x - (1 - x) / 4 + 3 / (2 + x) + (-x) * 0.5


def _polynomial_derivative(x):
    return 3 * x ** 2 - 2 - 1 / x ** 2 + 0.25 - 3 / (2 + x) ** 2 - 0.5


def _closed_form(x):
    """The lecture's f(x) = l_4 = 64 x (1 - x) (1 - 2x)**2 (1 - 8x + 8x**2)**2."""
    return 64 * x * (1 - x) * (1 - 2 * x) ** 2 * (1 - 8 * x + 8 * x * x) ** 2


def _numerical(f, x):
    return float(numerical_gradient(lambda v: f(float(v[0])), np.array([x]))[0])


def test_dual_arithmetic():
    for x in (0.5, 1.3, 2.0):
        out = _polynomial(autodiff.Dual(x, 1.0))
        assert isinstance(out, autodiff.Dual), f"operations on a Dual should return a Dual, got {describe(out)}"
        assert math.isclose(out.value, _polynomial(x)), f"wrong Dual value at x = {x}"
        assert math.isclose(out.deriv, _polynomial_derivative(x)), f"wrong Dual derivative at x = {x}"


def test_dual_functions():
    functions = {"exp": (math.exp, math.exp), "log": (math.log, lambda x: 1 / x),
                 "sin": (math.sin, math.cos), "cos": (math.cos, lambda x: -math.sin(x)),
                 "tanh": (math.tanh, lambda x: 1 - math.tanh(x) ** 2),
                 "sigmoid": (lambda x: 1 / (1 + math.exp(-x)),
                             lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2)}
    for fname, (value, slope) in functions.items():
        function = getattr(autodiff, fname)
        assert math.isclose(number(function(0.7), f"autodiff.{fname} of a float"), value(0.7)), \
            f"autodiff.{fname} of a float is wrong"
        out = function(autodiff.Dual(0.7, 2.0))
        assert isinstance(out, autodiff.Dual), f"autodiff.{fname} of a Dual should return a Dual, got {describe(out)}"
        assert math.isclose(out.value, value(0.7)) and math.isclose(out.deriv, 2.0 * slope(0.7)), \
            f"autodiff.{fname} of a Dual is wrong"
    out = autodiff.sigmoid(autodiff.Dual(-1e4, 1.0))
    assert isinstance(out, autodiff.Dual), f"autodiff.sigmoid of a Dual should return a Dual, got {describe(out)}"
    assert out.value == 0.0, "sigmoid overflows at -1e4"


def test_derivative():
    def derivative(f, x):
        value, deriv = returned(autodiff.derivative(f, x), ("value", "derivative"), "derivative")
        return number(value, "the value from derivative"), number(deriv, "the derivative from derivative")
    assert derivative(lambda x: x ** 3, 2.0) == (8.0, 12.0)
    value, deriv = derivative(lambda x: autodiff.sin(x) * x, 1.1)
    assert math.isclose(deriv, math.cos(1.1) * 1.1 + math.sin(1.1))
    assert derivative(lambda x: 5.0, 1.0) == (5.0, 0.0), "a constant function has derivative 0"


def test_logistic_map_forward_mode():
    for x in POINTS:
        assert math.isclose(number(autodiff.logistic_map(x), "logistic_map of a float"), _closed_form(x),
                            abs_tol=1e-12), \
            f"logistic_map({x}) should be l_4 = {_closed_form(x)}"
        value, deriv = returned(autodiff.derivative(autodiff.logistic_map, x), ("value", "derivative"), "derivative")
        deriv = number(deriv, "the derivative from derivative")
        expected = autodiff.logistic_map_derivative(x)
        assert math.isclose(deriv, expected, rel_tol=1e-9, abs_tol=1e-9), \
            f"forward mode gives f'({x}) = {deriv}, the closed form {expected}"
        assert math.isclose(deriv, _numerical(_closed_form, x), rel_tol=1e-5, abs_tol=1e-5)
    assert math.isclose(autodiff.logistic_map(0.3, n=1), 4 * 0.3 * 0.7), "n counts the iterations"


def test_var_backward():
    a, b = autodiff.Var(1.5), autodiff.Var(-0.5)
    out = a * b + autodiff.sin(a) / b - autodiff.exp(b) ** 2 + 3 - a
    assert isinstance(out, autodiff.Var), f"operations on a Var should return a Var, got {describe(out)}"
    out.backward()
    assert math.isclose(a.grad, -0.5 + math.cos(1.5) / -0.5 - 1), "wrong d out / d a"
    assert math.isclose(b.grad, 1.5 - math.sin(1.5) / 0.25 - 2 * math.exp(-1.0)), "wrong d out / d b"
    x = autodiff.Var(3.0)
    y = x * x + x  # fan-out: x is used three times
    assert isinstance(y, autodiff.Var), f"operations on a Var should return a Var, got {describe(y)}"
    y.backward()
    y.backward()
    assert x.grad == 7.0, \
        f"d(x*x + x)/dx at 3 is 7 (gradients add over paths, backward twice is the same), got {x.grad}"


def test_gradient():
    def f(x, y):
        return autodiff.tanh(x * y) + autodiff.log(x) - autodiff.cos(y) / x + autodiff.relu(y - 1)
    point = np.array([0.8, 1.7])
    grads = floats(autodiff.gradient(f, *point), "gradient's partial derivatives (one per input)", 2)
    expected = numerical_gradient(lambda v: f(*v), point)
    assert np.allclose(grads, expected, rtol=1e-6), f"gradient gives {grads}, numerical differences {expected}"


def test_logistic_map_reverse_mode():
    for x in POINTS:
        (deriv,) = floats(autodiff.gradient(autodiff.logistic_map, x), "gradient's partial derivatives", 1)
        assert math.isclose(deriv, autodiff.logistic_map_derivative(x), rel_tol=1e-9, abs_tol=1e-9), \
            f"reverse mode gives f'({x}) = {deriv}, the closed form {autodiff.logistic_map_derivative(x)}"


globals().update(otter_cases(globals()))
