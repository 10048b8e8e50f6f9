"""gradlab's child operations, and the functions and models the grader hands to student code.

Trusted code of the assignment, loaded into the sandbox's zygote before any submission (see
autograder/sandbox/child/worker.py for OPS, MARKERS and ENCODERS); the checks import it too, to
compute on the trusted side what the same fixtures give with the reference. It holds no
expected values. Imports only numpy.
"""
import numpy as np


def smooth(a):
    """f(x) = sum(sin(a * x)) + 0.5 * sum(x**2) * sum(a), a smooth scalar function of an array x."""
    a = np.asarray(a, dtype=float)
    scale = float(a.sum())
    return lambda x: float(np.sum(np.sin(a * x)) + 0.5 * scale * np.sum(x * x))


def smooth_array(a):
    """f(x) = tanh(x * a) + x**2, an array-valued function of an array x (same shape)."""
    a = np.asarray(a, dtype=float)
    return lambda x: np.tanh(x * a) + x * x


def bowl(a, b, c):
    """The lecture's quadratic bowl L(w) = a w1**2 + b w2**2 + c w1 w2, returning (loss, grad)."""
    def f(w):
        w1, w2 = float(w[0]), float(w[1])
        loss = a * w1 * w1 + b * w2 * w2 + c * w1 * w2
        return loss, np.array([2 * a * w1 + c * w2, 2 * b * w2 + c * w1])
    return f


class QuadraticModel:
    """A model for checking a training loop: loss = mean over rows of 0.5 (x . w + c - y)**2.

    It records every batch and the parameters it was called with, so that the grader can
    replay the loop. Attributes: params {"w": (D,), "c": (1,)}, calls: list of dicts.
    """

    def __init__(self, dim):
        self.params = {"w": np.linspace(-1.0, 1.0, dim), "c": np.array([0.5])}
        self.calls = []

    def loss(self, X, y):
        w, c = self.params["w"], self.params["c"]
        residual = X @ w + c[0] - y
        self.calls.append({"X": np.array(X), "y": np.array(y), "w": w.copy(), "c": c.copy()})
        grads = {"w": X.T @ residual / len(y), "c": np.array([residual.mean()])}
        return float(0.5 * np.mean(residual ** 2)), grads


def expression(tree, ad):
    """A function of len(variables) numbers that evaluates an expression tree with module ad.

    tree: nested lists, e.g. ["mul", ["var", 0], ["sin", ["var", 1]]]. Leaves are ["var", i]
    and ["const", c]; binary ops add, sub, mul, div, radd, rsub, rmul, rdiv (a plain number on
    the left), pow (a numeric exponent); unary neg and the functions exp, log, sin, cos, tanh,
    sigmoid, relu of ad; ["logistic_map", node, n] calls ad.logistic_map. A graph whose
    interior nodes are shared is ["dag", [definition, ...]]: definition i may refer to the
    result of definition j < i as ["node", j] (the same object wherever it is used); the last
    definition is the result.
    """
    binary = {
        "add": lambda a, b: a + b, "sub": lambda a, b: a - b,
        "mul": lambda a, b: a * b, "div": lambda a, b: a / b,
    }

    def evaluate(node, xs, nodes=()):
        op = node[0]
        if op == "var":
            return xs[node[1]]
        if op == "const":
            return float(node[1])
        if op == "node":
            return nodes[node[1]]
        if op == "dag":
            done = []
            for definition in node[1]:
                done.append(evaluate(definition, xs, done))
            return done[-1]
        if op in binary:
            return binary[op](evaluate(node[1], xs, nodes), evaluate(node[2], xs, nodes))
        if op.startswith("r") and op[1:] in binary:  # number on the left: exercises __radd__ etc.
            return binary[op[1:]](float(node[1]), evaluate(node[2], xs, nodes))
        if op == "pow":
            return evaluate(node[1], xs, nodes) ** float(node[2])
        if op == "neg":
            return -evaluate(node[1], xs, nodes)
        if op == "logistic_map":
            return ad.logistic_map(evaluate(node[1], xs, nodes), int(node[2]))
        return getattr(ad, op)(evaluate(node[1], xs, nodes))

    return lambda *xs: evaluate(tree, xs)


def dual_eval(ad, tree, point, seed):
    """Forward mode by hand: evaluate tree at point with inputs ad.Dual(point[i], seed[i]).

    Returns {"value": float, "deriv": float}, the directional derivative along seed.
    """
    inputs = [ad.Dual(x, d) for x, d in zip(point, seed)]
    out = expression(tree, ad)(*inputs)
    return {"value": out.value, "deriv": out.deriv}


def var_eval(ad, tree, point, repeat=1):
    """Reverse mode by hand: evaluate tree at point with ad.Var inputs and call backward()
    repeat times (backward must recompute the gradients, not add to them).

    Returns {"value": float, "grads": list of floats, d out / d point[i]}.
    """
    inputs = [ad.Var(x) for x in point]
    out = expression(tree, ad)(*inputs)
    for _ in range(repeat):
        out.backward()
    return {"value": out.value, "grads": [v.grad for v in inputs]}


CALLABLES = {"smooth": smooth, "smooth_array": smooth_array, "bowl": bowl}
MODELS = {"QuadraticModel": QuadraticModel}


# -- the child operations (request, env) -> answer dict ----------------------------------------
def train(request, env):
    """{"op": "train", "model": {"target": TARGET, "args": [...], "kwargs": {...}}, "args": [...],
    "kwargs": {...}}: build the model (a fixture of MODELS or the student's class), run the student's
    optim.train(model, *args, **kwargs); answer history, params and the model's recorded calls."""
    spec = request["model"]
    model_class = MODELS.get(spec["target"]) or env.resolve(spec["target"])
    model = model_class(*env.materialize(spec.get("args", [])), **env.materialize(spec.get("kwargs", {})))
    # The record list the fixture made, held here: a train that rebinds model.calls does not replace it.
    record = getattr(model, "calls", None)
    steps = _record_steps(model, request.get("record", []))
    history = env.resolve("optim.train")(model, *env.materialize(request["args"]),
                                         **env.materialize(request["kwargs"]))
    calls = record if isinstance(record, list) else getattr(model, "calls", [])
    answer = {"history": env.plain(history), "params": env.plain(dict(model.params)), "calls": env.plain(calls)}
    if steps is not None:
        answer["steps"] = env.plain(steps)
    return answer


def draws(request, env):
    """{"op": "draws", "call": CALL, "count": k}: CALL made k times on the same arguments, so that
    one {"__rng__": seed} marker is one Generator, shared by the k calls (e.g. the successive
    minibatches sample_minibatch draws from one rng); answer "results", the k results in order."""
    function, args, kwargs, _ = env.build(request["call"])
    return {"results": env.plain([function(*args, **kwargs) for _ in range(int(request["count"]))])}


def _record_steps(model, wanted):
    """Wrap model.loss (made before the student's train runs) to record every call's loss and, at
    the call numbers in wanted, the parameters it saw and the gradients it returned, so that the
    grader can see that training went through model.loss and its updates.

    Returns None if nothing is wanted, else the dict the record fills: "losses" (the loss of
    every call, in order) and "seen" (a list of [call number, params, grads])."""
    if not wanted:
        return None
    steps, loss, wanted = {"losses": [], "seen": []}, model.loss, set(wanted)

    def recording(*args, **kwargs):
        number = len(steps["losses"])
        before = {name: np.array(value) for name, value in model.params.items()} if number in wanted else None
        value, grads = loss(*args, **kwargs)
        steps["losses"].append(value)
        if before is not None:
            steps["seen"].append([number, before, {name: np.array(g) for name, g in dict(grads).items()}])
        return value, grads
    model.loss = recording
    return steps


def autodiff(request, env):
    """{"op": "autodiff", "mode": "dual" | "var", "tree": TREE, "args": [...]}: dual_eval or
    var_eval with the student's autodiff module."""
    evaluate = dual_eval if request["mode"] == "dual" else var_eval
    return env.plain(evaluate(env.resolve("autodiff"), request["tree"], *request["args"]))


def _encode_node(value, env, depth):
    """A Dual or Var of the student's, as plain data: its value, deriv and grad."""
    return {"__object__": type(value).__name__, "value": env.plain(value.value, depth),
            "deriv": env.plain(getattr(value, "deriv", None), depth),
            "grad": env.plain(getattr(value, "grad", None), depth)}


def _encodable(value, env, depth):
    if hasattr(value, "value"):
        return _encode_node(value, env, depth)
    return {"__unsupported__": type(value).__name__}


OPS = {"train": train, "draws": draws, "autodiff": autodiff}
# {"__callable__": name, "args": [...]} a fixture; {"__expr__": tree} an expression over the student's autodiff.
MARKERS = {"__callable__": lambda value, env: CALLABLES[value["__callable__"]](*value.get("args", [])),
           "__expr__": lambda value, env: expression(value["__expr__"], env.resolve("autodiff"))}
ENCODERS = {"Dual": _encodable, "Var": _encodable}
