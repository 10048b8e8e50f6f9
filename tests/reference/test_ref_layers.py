"""Reference layers: forward values on hand cases, backward against centered differences."""
import math

import numpy as np
import pytest

from gradlab import layers
from numdiff import gradient_array, readonly, rel_err


def away_from_zero(rng, shape, low=0.1):
    """Entries with |x| in [low, 2): no kink of a rectifier within a finite-difference step."""
    return rng.uniform(low, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def maxout_inputs(rng):
    """x, w, b whose winning piece beats the runner-up by at least 1e-3 everywhere."""
    x, w, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 3, 5)), rng.normal(size=(3, 5))
    z = np.sort(np.einsum("nd,kdm->knm", x, w) + b[:, None, :], axis=0)
    assert np.min(z[-1] - z[-2]) > 1e-3
    return x, w, b


# name -> (forward, backward, inputs for an rng)
LAYERS = {
    "affine": (layers.affine_forward, layers.affine_backward,
               lambda rng: (rng.normal(size=(4, 5)), rng.normal(size=(5, 3)), rng.normal(size=3))),
    "affine_3d_x": (layers.affine_forward, layers.affine_backward,
                    lambda rng: (rng.normal(size=(4, 2, 3)), rng.normal(size=(6, 3)), rng.normal(size=3))),
    "relu": (layers.relu_forward, layers.relu_backward, lambda rng: (away_from_zero(rng, (4, 5)),)),
    "leaky_relu": (layers.leaky_relu_forward, layers.leaky_relu_backward,
                   lambda rng: (away_from_zero(rng, (4, 5)),)),
    "leaky_relu_0.3": (lambda x: layers.leaky_relu_forward(x, alpha=0.3), layers.leaky_relu_backward,
                       lambda rng: (away_from_zero(rng, (3, 2, 2)),)),
    "sigmoid": (layers.sigmoid_forward, layers.sigmoid_backward,
                lambda rng: (rng.normal(scale=3, size=(4, 5)),)),
    "tanh": (layers.tanh_forward, layers.tanh_backward, lambda rng: (rng.normal(scale=2, size=(4, 5)),)),
    "elu": (layers.elu_forward, layers.elu_backward, lambda rng: (away_from_zero(rng, (4, 5)),)),
    "elu_2": (lambda x: layers.elu_forward(x, alpha=2.0), layers.elu_backward,
              lambda rng: (away_from_zero(rng, (6,)),)),
    "maxout": (layers.maxout_forward, layers.maxout_backward, maxout_inputs),
}


def as_tuple(grads):
    return grads if isinstance(grads, tuple) else (grads,)


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("seed", [0, 1])
def test_backward_matches_centered_differences(name, seed):
    forward, backward, make = LAYERS[name]
    rng = np.random.default_rng(seed)
    inputs = make(rng)
    out, cache = forward(*inputs)
    dout = rng.normal(size=out.shape)
    grads = as_tuple(backward(dout, cache))
    assert len(grads) == len(inputs)
    for k, (grad, value) in enumerate(zip(grads, inputs)):
        assert grad.shape == value.shape

        def f(z, k=k):
            return forward(*inputs[:k], z, *inputs[k + 1:])[0]
        assert rel_err(grad, gradient_array(f, value, dout)) < 1e-7, f"input {k}"


@pytest.mark.parametrize("name", LAYERS)
def test_inputs_not_modified_and_deterministic(name):
    forward, backward, make = LAYERS[name]
    originals = make(np.random.default_rng(2))
    inputs = [readonly(a) for a in originals]
    out, cache = forward(*inputs)
    dout = readonly(np.random.default_rng(3).normal(size=out.shape))
    grads = as_tuple(backward(dout, cache))
    out_again, cache_again = forward(*inputs)
    assert np.array_equal(out, out_again)
    for grad, grad_again in zip(grads, as_tuple(backward(dout, cache_again))):
        assert np.array_equal(grad, grad_again)
    assert all(np.array_equal(a, b) for a, b in zip(inputs, originals))


def test_affine_forward_known_values():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    w = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    out, _ = layers.affine_forward(x, w, np.array([1.0, 2.0, 3.0]))
    assert np.array_equal(out, np.array([[2.0, 4.0, 6.0], [4.0, 6.0, 10.0]]))


def test_affine_flattens_each_example():
    rng = np.random.default_rng(5)
    x, w, b = rng.normal(size=(3, 2, 4)), rng.normal(size=(8, 5)), rng.normal(size=5)
    out, cache = layers.affine_forward(x, w, b)
    assert out.shape == (3, 5)
    assert np.allclose(out, np.stack([xi.ravel() @ w + b for xi in x]))
    dx, dw, db = layers.affine_backward(np.ones((3, 5)), cache)
    assert dx.shape == (3, 2, 4) and dw.shape == (8, 5) and db.shape == (5,)
    assert np.allclose(dx, np.broadcast_to(w.sum(axis=1).reshape(2, 4), (3, 2, 4)))
    assert np.array_equal(db, np.full(5, 3.0))


@pytest.mark.parametrize("forward, backward, x, out, dx", [
    (layers.relu_forward, layers.relu_backward, [-1.0, 0.0, 2.0], [0.0, 0.0, 2.0], [0.0, 0.0, 1.0]),
    (layers.leaky_relu_forward, layers.leaky_relu_backward,
     [-2.0, 0.0, 3.0], [-0.2, 0.0, 3.0], [0.1, 0.1, 1.0]),
    (lambda x: layers.leaky_relu_forward(x, alpha=0.3), layers.leaky_relu_backward,
     [-2.0, 0.0, 3.0], [-0.6, 0.0, 3.0], [0.3, 0.3, 1.0]),
    (layers.sigmoid_forward, layers.sigmoid_backward,
     [0.0, math.log(3.0), -math.log(3.0)], [0.5, 0.75, 0.25], [0.25, 0.1875, 0.1875]),
    (layers.tanh_forward, layers.tanh_backward, [0.0, math.atanh(0.5)], [0.0, 0.5], [1.0, 0.75]),
    (layers.elu_forward, layers.elu_backward,
     [-math.log(2.0), 0.0, 2.0], [-0.5, 0.0, 2.0], [0.5, 1.0, 1.0]),
    (lambda x: layers.elu_forward(x, alpha=2.0), layers.elu_backward,
     [-math.log(2.0), 0.0, 2.0], [-1.0, 0.0, 2.0], [1.0, 1.0, 1.0]),
], ids=["relu", "leaky_relu", "leaky_relu_0.3", "sigmoid", "tanh", "elu", "elu_2"])
def test_activation_known_values(forward, backward, x, out, dx):
    """Hand cases, including the conventions at 0: relu 0, leaky relu alpha, elu 1."""
    result, cache = forward(np.array(x))
    assert np.allclose(result, out, rtol=1e-12, atol=1e-15)
    dout = np.array([2.0] * len(x))
    assert np.allclose(backward(dout, cache), 2.0 * np.array(dx), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("forward, backward, big, small", [
    (layers.sigmoid_forward, layers.sigmoid_backward, 1.0, 0.0),
    (layers.tanh_forward, layers.tanh_backward, 1.0, -1.0),
    (layers.elu_forward, layers.elu_backward, 1e4, -1.0),
    (layers.relu_forward, layers.relu_backward, 1e4, 0.0),
], ids=["sigmoid", "tanh", "elu", "relu"])
def test_activation_finite_at_extreme_inputs(forward, backward, big, small):
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out, cache = forward(np.array([1e4, -1e4]))
        dx = backward(np.ones(2), cache)
    assert np.array_equal(out, np.array([big, small]))
    assert np.all(np.isfinite(dx))


def test_sigmoid_backward_at_extremes_is_zero():
    out, cache = layers.sigmoid_forward(np.array([1e4, -1e4]))
    assert np.array_equal(layers.sigmoid_backward(np.ones(2), cache), [0.0, 0.0])


def test_maxout_forward_known_values():
    x = np.array([[1.0, 2.0], [3.0, -1.0]])
    w = np.array([[[1.0], [0.0]], [[0.0], [1.0]]])  # piece 0 picks x0, piece 1 picks x1
    out, _ = layers.maxout_forward(x, w, np.array([[0.0], [0.5]]))
    assert np.array_equal(out, np.array([[2.5], [3.0]]))


def test_maxout_tie_sends_gradient_to_first_piece():
    x = np.array([[1.0, 2.0]])
    w = np.array([[[1.0], [0.0]], [[0.0], [1.0]]])
    b = np.array([[1.0], [0.0]])  # both pieces give exactly 2
    out, cache = layers.maxout_forward(x, w, b)
    assert np.array_equal(out, [[2.0]])
    dx, dw, db = layers.maxout_backward(np.array([[3.0]]), cache)
    assert np.array_equal(db, [[3.0], [0.0]])
    assert np.array_equal(dw, [[[3.0], [6.0]], [[0.0], [0.0]]])
    assert np.array_equal(dx, [[3.0, 0.0]])
