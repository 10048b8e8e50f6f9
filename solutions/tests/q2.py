"""Section 2, a linear classifier: public tests of the softmax and SVM losses, the affine
layer and gradlab.nets.LinearClassifier.

Run with pytest (`make check`) or in the notebook with grader.check("q2"): see support/otter_cases.py.
"""
import numpy as np

from gradlab import layers, losses, nets
from tests.support.contract import array, describe, number, returned
from tests.support.numeric import assert_backward, assert_gradient
from tests.support.otter_cases import otter_cases

OK_FORMAT = False  # otter: a Python-format test file
name = "q2"


def _scores_and_labels(N=5, C=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((N, C)), rng.integers(C, size=N)


def test_softmax_loss_value():
    loss = number(returned(losses.softmax_loss(np.zeros((4, 3)), np.array([0, 1, 2, 1])), ("loss", "dscores"),
                           "softmax_loss")[0], "the loss of softmax_loss")
    assert np.isclose(loss, np.log(3)), f"equal scores for 3 classes give loss log(3), got {loss}"
    loss = number(losses.softmax_loss(np.array([[1.0, 2.0, 3.0]]), np.array([2]))[0], "the loss of softmax_loss")
    expected = -np.log(np.exp(3) / np.exp([1.0, 2.0, 3.0]).sum())
    assert np.isclose(loss, expected), f"softmax_loss([[1, 2, 3]], [2]) should be {expected:.6f}, got {loss}"


def test_softmax_loss_gradient():
    scores, y = _scores_and_labels()
    scores_in = scores.copy()
    _, dscores = returned(losses.softmax_loss(scores_in, y), ("loss", "dscores"), "softmax_loss")
    assert np.array_equal(scores_in, scores), "softmax_loss modified its input scores"
    assert_gradient(dscores, lambda s: losses.softmax_loss(s, y)[0], scores, "dscores of softmax_loss")


def test_softmax_loss_is_stable():
    scores = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5e3]])
    loss, dscores = returned(losses.softmax_loss(scores, np.array([1, 1])), ("loss", "dscores"), "softmax_loss")
    loss, dscores = number(loss, "the loss of softmax_loss"), array(dscores, "dscores of softmax_loss", scores.shape)
    assert np.isfinite(loss) and np.all(np.isfinite(dscores)), "softmax_loss overflows for scores of 1e4"
    assert np.isclose(loss, 1e4), f"the loss should be (2e4 + 0) / 2 = 1e4 here, got {loss}"


def test_svm_loss_value():
    # The cat / car / frog example of CS231n: per-example losses 2.9, 0 and 12.9.
    scores = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
    loss = number(returned(losses.svm_loss(scores, np.array([0, 1, 2])), ("loss", "dscores"), "svm_loss")[0],
                  "the loss of svm_loss")
    assert np.isclose(loss, 15.8 / 3), f"svm_loss should be (2.9 + 0 + 12.9) / 3, got {loss}"


def test_svm_loss_gradient():
    scores, y = _scores_and_labels(seed=1)
    scores_in = scores.copy()
    _, dscores = returned(losses.svm_loss(scores_in, y), ("loss", "dscores"), "svm_loss")
    assert np.array_equal(scores_in, scores), "svm_loss modified its input scores"
    assert_gradient(dscores, lambda s: losses.svm_loss(s, y)[0], scores, "dscores of svm_loss")
    dscores = array(losses.svm_loss(np.array([[1.0, 0.0]]), np.array([0]))[1], "dscores of svm_loss", (1, 2))
    assert np.array_equal(dscores, [[0.0, 0.0]]), "a hinge term exactly at 0 contributes gradient 0"


def test_affine_forward():
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((3, 2, 2)), rng.standard_normal((4, 5)), rng.standard_normal(5)
    out, _ = returned(layers.affine_forward(x, w, b), ("out", "cache"), "affine_forward")
    out = array(out, "the output of affine_forward", (3, 5))
    assert np.allclose(out, x.reshape(3, 4) @ w + b), "affine_forward should compute x.reshape(N, D) @ w + b"


def test_affine_backward():
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((3, 2, 2)), rng.standard_normal((4, 5)), rng.standard_normal(5)
    dout = rng.standard_normal((3, 5))
    _, cache = returned(layers.affine_forward(x, w, b), ("out", "cache"), "affine_forward")
    grads = returned(layers.affine_backward(dout, cache), ("dx", "dw", "db"), "affine_backward")
    assert_backward(lambda *args: layers.affine_forward(*args)[0], grads, [x, w, b], dout,
                    ["dx of affine_backward", "dw of affine_backward", "db of affine_backward"])


def test_linear_classifier_loss():
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((6, 3)), rng.integers(4, size=6)
    for loss_name in ("softmax", "svm"):
        model = nets.LinearClassifier(3, 4, loss=loss_name, reg=0.1, seed=5)
        assert model.params["W"].shape == (3, 4) and model.params["b"].shape == (4,)
        loss, grads = returned(model.loss(X, y), ("loss", "grads"), "LinearClassifier.loss")
        loss = number(loss, f"the loss of LinearClassifier ({loss_name})")
        assert isinstance(grads, dict) and sorted(grads) == ["W", "b"], \
            f"grads should be a dict with the keys 'W' and 'b', got {describe(grads)}"
        data_loss = getattr(losses, loss_name + "_loss")(X @ model.params["W"] + model.params["b"], y)[0]
        expected = data_loss + 0.1 * np.sum(model.params["W"] ** 2)
        assert np.isclose(loss, expected), f"LinearClassifier loss ({loss_name}) should be data loss + reg * l2(W)"
        for param in ("W", "b"):
            def f(value, param=param, model=model):
                model.params[param] = value
                return model.loss(X, y)[0]
            original = model.params[param]
            assert_gradient(grads[param], f, original, f"grads[{param!r}] of LinearClassifier ({loss_name})")
            model.params[param] = original


globals().update(otter_cases(globals()))
