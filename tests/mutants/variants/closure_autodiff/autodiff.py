

# ---- Correct variant: micrograd-style Var whose nodes carry a backward closure, a recursive
# topological sort, and a recursive logistic map. Appended to the reference autodiff.py:
# exp, log, ... reach the new Var through _chain. ----

def _chain(x, value, slope):
    if isinstance(x, Dual):
        return Dual(value, slope * x.deriv)
    if isinstance(x, Var):
        out = Var(value, (x,))

        def send():
            x.grad += slope * out.grad
        out._send = send
        return out
    return value


class Var:
    def __init__(self, value, inputs=()):
        self.value = float(value)
        self.grad = 0.0
        self._inputs = tuple(inputs)
        self._send = lambda: None  # a leaf sends nothing further

    @staticmethod
    def _lift(other):
        return other if isinstance(other, Var) else Var(other)

    def _binary(self, other, value, d_self, d_other):
        out = Var(value, (self, other))

        def send():
            self.grad += d_self * out.grad
            other.grad += d_other * out.grad
        out._send = send
        return out

    def __add__(self, other):
        other = self._lift(other)
        return self._binary(other, self.value + other.value, 1.0, 1.0)

    __radd__ = __add__

    def __neg__(self):
        return _chain(self, -self.value, -1.0)

    def __sub__(self, other):
        other = self._lift(other)
        return self._binary(other, self.value - other.value, 1.0, -1.0)

    def __rsub__(self, other):
        return self._lift(other) - self

    def __mul__(self, other):
        other = self._lift(other)
        return self._binary(other, self.value * other.value, other.value, self.value)

    __rmul__ = __mul__

    def __truediv__(self, other):
        other = self._lift(other)
        return self._binary(other, self.value / other.value, 1.0 / other.value,
                            -self.value / other.value ** 2)

    def __rtruediv__(self, other):
        return self._lift(other) / self

    def __pow__(self, p):
        return _chain(self, self.value ** p, p * self.value ** (p - 1))

    def relu(self):
        return relu(self)

    def backward(self):
        order, seen = [], set()

        def visit(node):
            if id(node) not in seen:
                seen.add(id(node))
                for parent in node._inputs:
                    visit(parent)
                order.append(node)
        visit(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            node._send()


def derivative(f, x):
    out = f(Dual(x, 1.0))
    return (out.value, out.deriv) if isinstance(out, Dual) else (float(out), 0.0)


def gradient(f, *xs):
    leaves = tuple(Var(x) for x in xs)
    out = f(*leaves)
    if isinstance(out, Var):
        out.backward()
    return tuple(leaf.grad for leaf in leaves)


def logistic_map(x, n=3):
    return x if n == 0 else logistic_map(4 * x * (1 - x), n - 1)
