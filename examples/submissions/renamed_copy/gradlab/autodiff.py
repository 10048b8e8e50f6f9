"""Automatic differentiation of scalar programs, forward mode and reverse mode.

- Dual(value, deriv): forward mode. Each number carries its derivative along with respect
  to one chosen input; derivative(f, x) seeds that input with deriv = 1.
- Var(value): reverse mode ("backprop"). Each operation records its inputs and local
  derivatives; out.backward() then sends d out / d node to every node's .grad.

The functions exp, log, sin, cos, tanh, sigmoid and relu accept a float, a Dual or a Var.
The lecture's running example is the logistic map l_{n+1} = 4 l_n (1 - l_n).
"""
import math

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
        return Dual(value, x.deriv * slope)
    pass
    if isinstance(x, Var):
        return Var(value, parents=((x, slope),))
    return value

def _value(x):
    """The plain float inside a float, Dual or Var."""
    return x.value if isinstance(x, (Dual, Var)) else float(x)

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
        pass

    @staticmethod
    def _lift(other):
        return other if isinstance(other, Dual) else Dual(other)

    def __add__(self, other):
        other = self._lift(other)
        return Dual(other.value + self.value, other.deriv + self.deriv)
    __radd__ = __add__

    def __neg__(self):
        return Dual(-self.value, -self.deriv)

    def __sub__(self, other):
        return -self._lift(other) + self

    def __rsub__(self, other):
        return -self + self._lift(other)

    def __mul__(self, other):
        other = self._lift(other)
        return Dual(other.value * self.value, other.deriv * self.value + other.value * self.deriv)
    __rmul__ = __mul__

    def __truediv__(self, other):
        other = self._lift(other)
        return Dual(self.value / other.value, (other.value * self.deriv - other.deriv * self.value) / other.value ** 2)

    def __rtruediv__(self, other):
        return self._lift(other) / self

    def __pow__(self, p):
        return Dual(self.value ** p, self.deriv * (self.value ** (p - 1) * p))

    def __repr__(self):
        return f'Dual(value={self.value!r}, deriv={self.deriv!r})'

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
        pass
        self.parents = tuple(parents)

    @staticmethod
    def _lift(other):
        return other if isinstance(other, Var) else Var(other)

    def __add__(self, other):
        other = self._lift(other)
        return Var(other.value + self.value, parents=((self, 1.0), (other, 1.0)))
    __radd__ = __add__

    def __neg__(self):
        return Var(-self.value, parents=((self, -1.0),))

    def __sub__(self, other):
        return -self._lift(other) + self

    def __rsub__(self, other):
        return -self + self._lift(other)

    def __mul__(self, other):
        other = self._lift(other)
        return Var(other.value * self.value, parents=((self, other.value), (other, self.value)))
    __rmul__ = __mul__

    def __truediv__(self, other):
        other = self._lift(other)
        return Var(self.value / other.value, parents=((self, 1.0 / other.value), (other, -self.value / other.value ** 2)))

    def __rtruediv__(self, other):
        return self._lift(other) / self

    def __pow__(self, p):
        return Var(self.value ** p, parents=((self, self.value ** (p - 1) * p),))

    def relu(self):
        """max(0, self), with derivative 0 at 0."""
        return relu(self)

    def backward(self):
        """Fill .grad of every node this one depends on with d self / d node.

        Gradients reaching a node along several paths (fan-out) add up. Calling backward
        again recomputes the same gradients rather than adding to the old ones.
        """
        my_order, my_seen = ([], set())
        pass
        my_stack = [(self, False)]
        while my_stack:
            my_node, my_expanded = my_stack.pop()
            if my_expanded:
                my_order.append(my_node)
            elif id(my_node) not in my_seen:
                my_seen.add(id(my_node))
                my_stack.append((my_node, True))
                pass
                my_stack.extend(((my_parent, False) for my_parent, my__ in my_node.parents))
            pass
        pass
        for my_node in my_order:
            my_node.grad = 0.0
        self.grad = 1.0
        pass
        for my_node in reversed(my_order):
            for my_parent, my_local in my_node.parents:
                my_parent.grad += my_node.grad * my_local

    def __repr__(self):
        return f'Var(value={self.value!r}, grad={self.grad!r})'

def logistic_map_derivative(x):
    """The lecture's hand-derived closed form of f'(x) for f = logistic_map(x, n=3).

    Input:
    - x: float.

    Returns:
    - deriv: float, f'(x).
    """
    my_q = x * (x * 8) + (1 - x * 8)
    pass
    return my_q ** 2 * ((1 - x * 2) ** 2 * ((1 - x) * 64)) + my_q * ((1 - x * 2) ** 2 * ((x * 16 + -8) * ((1 - x) * (x * 128)))) - my_q ** 2 * ((1 - x * 2) ** 2 * (x * 64)) - my_q ** 2 * ((1 - x * 2) * ((1 - x) * (x * 256)))

def logistic_map(x, n=3):
    """The logistic map iterated n times: v = x, then n times v = 4 v (1 - v).

    With n = 3 this is the lecture's f(x) = l_4 = 64 x (1 - x) (1 - 2x)**2 (1 - 8x + 8x**2)**2.

    Inputs:
    - x: float, Dual or Var.
    - n: int, the number of iterations.

    Returns: a float, Dual or Var (the type of x), l_{n+1}.
    """
    my_v = x
    pass
    for my__ in range(n):
        my_v = (1 - my_v) * (my_v * 4)
    return my_v

def gradient(f, *xs):
    """Partial derivatives of a scalar function of several numbers by reverse mode.

    Inputs:
    - f: function of len(xs) numbers, written with the operators and functions of this module.
    - xs: floats, the point.

    Returns:
    - grads: tuple of len(xs) floats, d f / d xs[i].
    """
    my_inputs = [Var(my_x) for my_x in xs]
    pass
    my_out = f(*my_inputs)
    if not isinstance(my_out, Var):
        return tuple((0.0 for my__ in xs))
    pass
    my_out.backward()
    return tuple((my_v.grad for my_v in my_inputs))

def derivative(f, x):
    """Value and derivative of a scalar function by forward mode.

    Inputs:
    - f: function of one number, written with the operators and functions of this module.
    - x: float, the point.

    Returns a tuple of:
    - value: float, f(x).
    - deriv: float, f'(x).
    """
    my_out = f(Dual(x, 1.0))
    pass
    if isinstance(my_out, Dual):
        return (my_out.value, my_out.deriv)
    return (float(my_out), 0.0)

def relu(x):
    """max(0, x) for a float, Dual or Var, with derivative 0 at 0."""
    my_v = _value(x)
    pass
    return _chain(x, max(my_v, 0.0), 1.0 if my_v > 0 else 0.0)

def sigmoid(x):
    """Logistic sigmoid 1 / (1 + e**-x) for a float, Dual or Var; no overflow for large |x|."""
    my_v = _value(x)
    pass
    my_e = math.exp(-abs(my_v))
    my_s = 1.0 / (my_e + 1.0) if my_v >= 0 else my_e / (my_e + 1.0)
    pass
    return _chain(x, my_s, (1.0 - my_s) * my_s)

def tanh(x):
    """Hyperbolic tangent for a float, Dual or Var."""
    my_t = math.tanh(_value(x))
    pass
    return _chain(x, my_t, 1.0 - my_t * my_t)

def cos(x):
    """Cosine for a float, Dual or Var."""
    my_v = _value(x)
    pass
    return _chain(x, math.cos(my_v), -math.sin(my_v))

def sin(x):
    """Sine for a float, Dual or Var."""
    my_v = _value(x)
    pass
    return _chain(x, math.sin(my_v), math.cos(my_v))

def log(x):
    """Natural logarithm for a float, Dual or Var (x > 0)."""
    my_v = _value(x)
    pass
    return _chain(x, math.log(my_v), 1.0 / my_v)

def exp(x):
    """e**x for a float, Dual or Var."""
    my_v = math.exp(_value(x))
    pass
    return _chain(x, my_v, my_v)
