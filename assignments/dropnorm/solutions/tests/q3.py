"""Section 3, the deep network: public tests of DeepMLP with batchnorm and dropout.

Run with pytest (`make check`) or in the notebook with grader.check("q3"): see support/otter_cases.py.
"""
import numpy as np

from dropnorm.nets import DeepMLP
from tests.support.contract import array, number, returned
from tests.support.numeric import numerical_gradient
from tests.support.otter_cases import otter_cases

OK_FORMAT = False  # otter: a Python-format test file
name = "q3"

RNG = np.random.default_rng(1)
X, Y = RNG.normal(size=(6, 3)), RNG.integers(3, size=6)


def _check_gradients(**options):
    model = DeepMLP([3, 5, 4, 3], activation="tanh", seed=0, **options)  # tanh: no kink where an input is 0
    loss, grads = returned(model.loss(X, Y, seed=2), ("loss", "grads"), "DeepMLP.loss")
    number(loss, "the loss")
    assert isinstance(grads, dict) and set(grads) == set(model.params), \
        f"grads should have the keys of params, {sorted(model.params)}"
    for name, value in model.params.items():
        def f(v, name=name):
            saved = model.params[name]
            model.params[name] = v
            try:
                return model.loss(X, Y, seed=2)[0]
            finally:
                model.params[name] = saved
        # Relative to the array's largest entry: a bias before batchnorm, or a unit every mask
        # drops, has gradient 0, where centered differences give rounding noise.
        numeric = numerical_gradient(f, value)
        got = array(grads[name], f"grads['{name}']", value.shape)
        error = np.max(np.abs(got - numeric)) / max(1e-4, np.max(np.abs(numeric)))
        assert error < 1e-5, f"grads['{name}'] is wrong ({options}): error {error:.2e} relative to its largest entry"


def test_gradients_plain():
    _check_gradients()


def test_gradients_batchnorm():
    _check_gradients(normalization="batchnorm")


def test_gradients_dropout():
    _check_gradients(dropout=0.7)


def test_scores_in_test_mode():
    model = DeepMLP([3, 5, 4, 3], normalization="batchnorm", dropout=0.5, seed=0)
    scores = array(model.loss(X), "the scores of DeepMLP.loss(X)", (6, 3))
    assert np.array_equal(scores, model.loss(X)), "test mode draws no mask and changes nothing"


globals().update(otter_cases(globals()))
