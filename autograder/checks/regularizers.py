"""Hidden tests of gradlab/regularizers.py: value and gradient of each penalty."""
import numpy as np

from .common import GRAD_TOL, check_value_call, rng_for
from .diagnosis import factor_two, ignored_arguments, region
from .framework import check, expect_array


def _regularizer_check(t, name, kwargs_cases):
    reference = getattr(t.ref.regularizers, name)
    for label, kwargs in kwargs_cases:
        W = rng_for(name, label).standard_normal((4, 3))
        with t.case(f"value and gradient, {label}"):
            check_value_call(t, f"regularizers.{name}", (W,), reference(W.copy(), **kwargs), kwargs=kwargs,
                             count=2, names=("R", "dW"), repeat=True,
                             suspects=lambda what, W=W, kwargs=kwargs: ignored_arguments(
                                 reference, (W,), kwargs, select=lambda result: result[("R", "dW").index(what)])
                             + (factor_two(reference(W.copy(), **kwargs)[0]) if what == "R" else []))
        with t.case(f"gradient against centered differences, {label}"):
            numeric = t.numerical_gradients({"target": f"regularizers.{name}", "args": [W], "kwargs": kwargs},
                                            {"dW": (0, W)}, select=(0,))["dW"]
            result, _ = t.call(f"regularizers.{name}", W, **kwargs)
            expect_array(result[1], numeric, 1e-5, "dW against centered differences of your R")
    # Zeros: the subgradient of |w| at 0 is 0 by the contract.
    W = np.array([[0.0, 1.5], [-2.0, 0.0]])
    with t.case("entries exactly 0"):
        check_value_call(t, f"regularizers.{name}", (W,), reference(W.copy()), tol=GRAD_TOL, count=2,
                         names=("R", "dW"), suspects=lambda _: [region("wrong_at_kink", W == 0, "at the entries "
                                                                       "exactly 0, where the subgradient of |w| is 0")])


@check("l2.values_and_gradient")
def l2_check(t):
    _regularizer_check(t, "l2", [("random W", {})])


@check("l1.values_and_gradient")
def l1_check(t):
    _regularizer_check(t, "l1", [("random W", {})])


@check("elastic_net.values_and_gradient")
def elastic_net_check(t):
    _regularizer_check(t, "elastic_net", [("beta=0.5", {}), ("beta=0.2", {"beta": 0.2})])
