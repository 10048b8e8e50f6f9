"""Every rule the grader enforces is written in the docstring of the function it grades.

CONTRACT holds, for each check in assignments/gradlab/checks/ that can fail an answer that looks right
for a reason of the contract (a dtype, a container, a call count, an input left modified), the
functions it grades and the phrase their docstrings must hold. The docstrings are read from the
reference (solutions/gradlab) and from the students' stubs (assignment/gradlab), which carry them.
"""
import ast
import importlib

import pytest

from autograder.checks import common, framework
from mutate import ROOT, part

autodiff, convergence, gradcheck, nets, optim = (part(f"checks.{name}") for name in
                                                 ("autodiff", "convergence", "gradcheck", "nets", "optim"))

LOSSES = ["losses.softmax_loss", "losses.svm_loss", "losses.mse_loss", "losses.logistic_loss"]
REGULARIZERS = ["regularizers.l2", "regularizers.l1", "regularizers.elastic_net"]
LAYERS = [f"layers.{layer}_{d}" for layer in ("affine", "relu", "leaky_relu", "sigmoid", "tanh", "elu", "maxout")
          for d in ("forward", "backward")]
NETS = ["nets.MLP.scores", "nets.MLP.loss", "nets.LinearClassifier.loss"]

# (rule, the check that enforces it, graded functions, phrase in each one's docstring)
CONTRACT = [
    ("array results are float64", framework.expect_array,
     LOSSES + REGULARIZERS + LAYERS + NETS[:2]
     + ["gradcheck.numerical_gradient", "gradcheck.numerical_gradient_array", "gradcheck.grad_check_sparse",
        "optim.sgd", "optim.sgd_momentum", "optim.gradient_descent"], "float64"),
    ("losses are floats", framework.expect_float, LOSSES + NETS[1:], "- loss: float"),
    ("penalties are floats", framework.expect_float, REGULARIZERS, "- R: float"),
    ("several results come as a tuple", framework.unpack,
     LOSSES + REGULARIZERS + [f for f in LAYERS if f.endswith("forward")]
     + ["layers.affine_backward", "layers.maxout_backward", "optim.sgd", "optim.sgd_momentum",
        "optim.sample_minibatch", "optim.gradient_descent", "nets.MLP.loss", "autodiff.derivative",
        "autodiff.gradient"], "tuple"),
    ("input arrays are not modified", framework.expect_unchanged,
     LOSSES + REGULARIZERS + LAYERS + ["gradcheck.rel_error", "gradcheck.numerical_gradient_array",
                                       "gradcheck.grad_check_sparse", "optim.gradient_descent"], "not modified"),
    ("x holds its original values on return", gradcheck.numerical_gradient_centered,
     ["gradcheck.numerical_gradient", "gradcheck.numerical_gradient_array", "gradcheck.grad_check_sparse"],
     "restored on return"),
    ("grad_check_sparse returns an array, not a list", gradcheck.grad_check_sparse_values,
     ["gradcheck.grad_check_sparse"], "an np.ndarray, not a list) of shape (num_checks,)"),
    ("grad_check_sparse gives 0, not NaN, for zero gradients", gradcheck.grad_check_sparse_values,
     ["gradcheck.grad_check_sparse"], "never NaN"),
    ("grad_check_sparse draws its entries from the seed", gradcheck.grad_check_sparse_values,
     ["gradcheck.grad_check_sparse"], "seeds np.random.default_rng"),
    ("train calls model.loss exactly once per iteration", optim.train_loop, ["optim.train"],
     "calls model.loss exactly once per iteration"),
    ("train's history['loss'] is a list", optim.train_loop, ["optim.train"], 'with "loss": a list (not an array)'),
    ("train draws every minibatch from one rng", optim.train_loop, ["optim.train"],
     "one np.random.default_rng(seed) draws every minibatch with sample_minibatch"),
    ("minibatches are arrays of distinct, aligned rows", optim.sample_minibatch_values, ["optim.sample_minibatch"],
     "np.ndarray (not a list) of shape (batch_size, ...), batch_size distinct rows"),
    ("the rng is the only source of randomness", optim.sample_minibatch_values, ["optim.sample_minibatch"],
     "the only source of randomness"),
    ("momentum keeps no state outside config", optim.sgd_momentum_values, ["optim.sgd_momentum"],
     "no state kept between calls"),
    ("a gradient for every parameter, biases included", nets._loss_case, NETS[1:],
     "a key for every parameter, biases included"),
    ("biases are not regularized", nets.mlp_loss_gradient, NETS[1:], "biases are not regularized"),
    ("the returned parameters are float arrays of their shapes", convergence._trained, ["optim.train"],
     "Its params are updated, each staying a float array of its own shape"),
    ("softmax and logistic losses stay finite at 1e4", common.check_value_call,
     ["losses.softmax_loss", "losses.logistic_loss"], "finite for scores as large as 1e4"),
    ("momentum's velocity comes back in config", optim.sgd_momentum_values, ["optim.sgd_momentum"],
     'the new velocity stored under "velocity"'),
    ("elementary functions take and give a float, a Dual or a Var", autodiff.dual_functions,
     [f"autodiff.{name}" for name in ("exp", "log", "sin", "cos", "tanh", "sigmoid", "relu")],
     "for a float, Dual or Var"),
    ("sigmoid does not overflow", autodiff.dual_functions, ["autodiff.sigmoid"], "no overflow for large |x|"),
    ("backward twice gives the same gradients", autodiff.var_backward, ["autodiff.Var.backward"],
     "Calling backward again recomputes the same gradients rather than adding to the old ones"),
    ("fan-out gradients add up", autodiff.var_backward, ["autodiff.Var.backward"], "add up"),
    ("relu's derivative at 0 is 0", common.check_layer_gradient, ["layers.relu_backward"], "at x = 0 is taken to be 0"),
]


def reference_doc(name):
    module, *path = name.split(".")
    value = importlib.import_module(f"gradlab.{module}")
    for attribute in path:
        value = getattr(value, attribute)
    return value.__doc__ or ""


def stub_doc(name):
    """The docstring of a function or method in assignment/gradlab (parsed, never imported)."""
    module, *path = name.split(".")
    node = ast.parse((ROOT / "assignment" / "gradlab" / f"{module}.py").read_text())
    for attribute in path:
        node = next(n for n in node.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == attribute)
    return ast.get_docstring(node) or ""


def _cases():
    return [(rule, function, phrase) for rule, _, functions, phrase in CONTRACT for function in functions]


def _flat(text):
    return " ".join(text.split())


@pytest.mark.parametrize("rule, function, phrase", _cases(), ids=[f"{f}: {r}" for r, f, _ in _cases()])
def test_the_rule_is_in_the_docstring_of_the_function_it_grades(rule, function, phrase):
    assert _flat(phrase) in _flat(reference_doc(function)), f"{function}'s docstring does not say: {rule}"


@pytest.mark.parametrize("rule, function, phrase", [c for c in _cases() if c[1] != "nets.LinearClassifier.loss"])
def test_the_students_stubs_carry_the_same_rules(rule, function, phrase):
    assert _flat(phrase) in _flat(stub_doc(function)), f"assignment: {function}'s docstring does not say: {rule}"
