"""Automatic differentiation of scalar programs, forward mode and reverse mode.

- Dual(value, deriv): forward mode. Each number carries its derivative along with respect
  to one chosen input; derivative(f, x) seeds that input with deriv = 1.
- Var(value): reverse mode ("backprop"). Each operation records its inputs and local
  derivatives; out.backward() then sends d out / d node to every node's .grad.

The functions exp, log, sin, cos, tanh, sigmoid and relu accept a float, a Dual or a Var.
The lecture's running example is the logistic map l_{n+1} = 4 l_n (1 - l_n).
"""
import math


def _value(x):
    """The plain float inside a float, Dual or Var."""
    return x.value if isinstance(x, (Dual, Var)) else float(x)


def _chain(x, value, slope):
    """Result of an elementary function applied to x, by the chain rule.

    Inputs:
    - x: float, Dual or Var, the function's argument.
    - value: float, the function's value at x's value.
    - slope: float, the function's derivative at x's value.

    Returns: a float for a float x; a Dual carrying slope * x.deriv; or a Var whose only
    parent is x with local derivative slope.
    """
    if isinstance(x, Dual):
        return Dual(value, slope * x.deriv)
    if isinstance(x, Var):
        return Var(value, parents=((x, slope),))
    return value


class Dual:
    """A dual number value + deriv * eps with eps**2 = 0: forward-mode differentiation.

    Attributes:
    - value: float, the value.
    - deriv: float, its derivative with respect to the seeded input.

    Supports +, -, *, / and ** (numeric exponent) with Duals or plain numbers on either side,
    and unary minus.
    """

    def __init__(self, value, deriv=0.0):
        self.value = float(value)
        self.deriv = float(deriv)

    @staticmethod
    def _lift(other):
        return other if isinstance(other, Dual) else Dual(other)

    def __add__(self, other):
        raise NotImplementedError("Dual.__add__ is not implemented yet. Hint: (a + a' eps) + (b + b' eps) = (a + b) + (a' + b') eps.")

    __radd__ = __add__

    def __neg__(self):
        raise NotImplementedError('Dual.__neg__ is not implemented yet. Hint: negate both parts.')

    def __sub__(self, other):
        return self + (-self._lift(other))

    def __rsub__(self, other):
        return self._lift(other) + (-self)

    def __mul__(self, other):
        raise NotImplementedError('Dual.__mul__ is not implemented yet. Hint: the product rule; eps**2 = 0.')

    __rmul__ = __mul__

    def __truediv__(self, other):
        raise NotImplementedError("Dual.__truediv__ is not implemented yet. Hint: the quotient rule: (a / b)' = (a' b - a b') / b**2.")

    def __rtruediv__(self, other):
        return self._lift(other) / self

    def __pow__(self, p):
        raise NotImplementedError("Dual.__pow__ is not implemented yet. Hint: p is a plain number: (a**p)' = p a**(p - 1) a'.")

    def __repr__(self):
        return f"Dual(value={self.value!r}, deriv={self.deriv!r})"


class Var:
    """A node of a reverse-mode computation graph over scalars.

    Attributes:
    - value: float, the node's value.
    - grad: float, d out / d node after out.backward() (0.0 before).
    - parents: tuple of (parent Var, local derivative d node / d parent).

    Supports the operators of Dual, and relu() as a method.
    """

    def __init__(self, value, parents=()):
        self.value = float(value)
        self.grad = 0.0
        self.parents = tuple(parents)

    @staticmethod
    def _lift(other):
        return other if isinstance(other, Var) else Var(other)

    def __add__(self, other):
        raise NotImplementedError('Var.__add__ is not implemented yet. Hint: record both inputs with local derivative 1.')

    __radd__ = __add__

    def __neg__(self):
        raise NotImplementedError('Var.__neg__ is not implemented yet. Hint: local derivative -1.')

    def __sub__(self, other):
        return self + (-self._lift(other))

    def __rsub__(self, other):
        return self._lift(other) + (-self)

    def __mul__(self, other):
        raise NotImplementedError('Var.__mul__ is not implemented yet. Hint: d(ab)/da = b and d(ab)/db = a.')

    __rmul__ = __mul__

    def __truediv__(self, other):
        raise NotImplementedError('Var.__truediv__ is not implemented yet. Hint: d(a/b)/da = 1/b and d(a/b)/db = -a/b**2.')

    def __rtruediv__(self, other):
        return self._lift(other) / self

    def __pow__(self, p):
        raise NotImplementedError('Var.__pow__ is not implemented yet. Hint: p is a plain number.')

    def relu(self):
        """max(0, self), with derivative 0 at 0."""
        return relu(self)

    def backward(self):
        """Fill .grad of every node this one depends on with d self / d node.

        Gradients reaching a node along several paths (fan-out) add up. Calling backward
        again recomputes the same gradients rather than adding to the old ones.
        """
        raise NotImplementedError('Var.backward is not implemented yet. Hint: order the graph topologically (depth-first search), then go through it in reverse.')

    def __repr__(self):
        return f"Var(value={self.value!r}, grad={self.grad!r})"


def exp(x):
    """e**x for a float, Dual or Var."""
    raise NotImplementedError('exp is not implemented yet. Hint: return _chain(x, value, slope) with the value and derivative at _value(x).')


def log(x):
    """Natural logarithm for a float, Dual or Var (x > 0)."""
    raise NotImplementedError('log is not implemented yet. Hint: d log(x) / dx = 1 / x.')


def sin(x):
    """Sine for a float, Dual or Var."""
    raise NotImplementedError('sin is not implemented yet. Hint: d sin(x) / dx = cos(x).')


def cos(x):
    """Cosine for a float, Dual or Var."""
    raise NotImplementedError('cos is not implemented yet. Hint: d cos(x) / dx = -sin(x).')


def tanh(x):
    """Hyperbolic tangent for a float, Dual or Var."""
    raise NotImplementedError('tanh is not implemented yet. Hint: d tanh(x) / dx = 1 - tanh(x)**2.')


def sigmoid(x):
    """Logistic sigmoid 1 / (1 + e**-x) for a float, Dual or Var; no overflow for large |x|."""
    raise NotImplementedError('sigmoid is not implemented yet. Hint: d sigma / dx = sigma (1 - sigma); use exp(-|x|) to avoid overflow.')


def relu(x):
    """max(0, x) for a float, Dual or Var, with derivative 0 at 0."""
    raise NotImplementedError('relu is not implemented yet. Hint: the slope is 1 for x > 0 and 0 otherwise.')


def derivative(f, x):
    """Value and derivative of a scalar function by forward mode.

    Inputs:
    - f: function of one number, written with the operators and functions of this module.
    - x: float, the point.

    Returns a tuple of:
    - value: float, f(x).
    - deriv: float, f'(x).
    """
    raise NotImplementedError('derivative is not implemented yet. Hint: seed the input with derivative 1; a constant result has derivative 0.')


def gradient(f, *xs):
    """Partial derivatives of a scalar function of several numbers by reverse mode.

    Inputs:
    - f: function of len(xs) numbers, written with the operators and functions of this module.
    - xs: floats, the point.

    Returns:
    - grads: tuple of len(xs) floats, d f / d xs[i].
    """
    raise NotImplementedError('gradient is not implemented yet. Hint: wrap each input in a Var, call f, then backward() on the output.')


def logistic_map(x, n=3):
    """The logistic map iterated n times: v = x, then n times v = 4 v (1 - v).

    With n = 3 this is the lecture's f(x) = l_4 = 64 x (1 - x) (1 - 2x)**2 (1 - 8x + 8x**2)**2.

    Inputs:
    - x: float, Dual or Var.
    - n: int, the number of iterations.

    Returns: a float, Dual or Var (the type of x), l_{n+1}.
    """
    raise NotImplementedError('logistic_map is not implemented yet. Hint: a plain loop; the operators do the rest.')


def logistic_map_derivative(x):
    """The lecture's hand-derived closed form of f'(x) for f = logistic_map(x, n=3).

    Input:
    - x: float.

    Returns:
    - deriv: float, f'(x).
    """
    q = 1 - 8 * x + 8 * x * x
    return (128 * x * (1 - x) * (-8 + 16 * x) * (1 - 2 * x) ** 2 * q
            + 64 * (1 - x) * (1 - 2 * x) ** 2 * q ** 2
            - 64 * x * (1 - 2 * x) ** 2 * q ** 2
            - 256 * x * (1 - x) * (1 - 2 * x) * q ** 2)
