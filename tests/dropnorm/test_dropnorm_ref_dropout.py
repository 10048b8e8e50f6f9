"""Reference dropout: hand-worked values, the seeded mask, gradients, expectation preserved."""
import numpy as np
import pytest

from dropnorm.dropout import dropout_backward, dropout_forward
from numdiff import gradient_array, rel_err


def test_train_mode_by_hand():
    # default_rng(0).random(4) = [0.637, 0.270, 0.041, 0.017]: with p = 0.5 the first unit is dropped.
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    out, _ = dropout_forward(x, 0.5, "train", 0)
    assert np.array_equal(out, [[0.0, 4.0], [6.0, 8.0]])
    assert np.array_equal(x, [[1.0, 2.0], [3.0, 4.0]])


def test_mask_is_the_documented_draw():
    x = np.ones((3, 7))
    out, _ = dropout_forward(x, 0.3, "train", 42)
    mask = np.random.default_rng(42).random(x.shape) < 0.3
    assert np.array_equal(out, mask / 0.3)


def test_same_seed_same_mask_other_seed_other_mask():
    x = np.random.default_rng(1).normal(size=(20, 10))
    assert np.array_equal(dropout_forward(x, 0.5, "train", 3)[0], dropout_forward(x, 0.5, "train", 3)[0])
    assert not np.array_equal(dropout_forward(x, 0.5, "train", 3)[0], dropout_forward(x, 0.5, "train", 4)[0])


def test_test_mode_is_the_identity():
    x = np.random.default_rng(2).normal(size=(4, 5))
    out, cache = dropout_forward(x, 0.2, "test", 0)
    assert np.array_equal(out, x)
    dout = np.random.default_rng(3).normal(size=(4, 5))
    assert np.array_equal(dropout_backward(dout, cache), dout)


def test_keep_everything():
    x = np.random.default_rng(4).normal(size=(3, 3))
    assert np.array_equal(dropout_forward(x, 1.0, "train", 0)[0], x)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_backward_matches_centered_differences_with_the_same_mask(p):
    rng = np.random.default_rng(5)
    x, dout = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    _, cache = dropout_forward(x, p, "train", 11)
    dx = dropout_backward(dout, cache)
    numeric = gradient_array(lambda v: dropout_forward(v, p, "train", 11)[0], x, dout)
    assert rel_err(dx, numeric) < 1e-8


def test_expectation_preserved():
    # The mean of 2000 masked copies of x: each entry is x times a Binomial(2000, p) / (2000 p),
    # whose standard deviation for p = 0.4 is sqrt(0.6 / 800) = 0.027 times x; 0.15 is 5 of them.
    x = np.linspace(-2.0, 2.0, 12).reshape(3, 4)
    mean = np.mean([dropout_forward(x, 0.4, "train", s)[0] for s in range(2000)], axis=0)
    assert np.max(np.abs(mean - x)) < 0.15


def test_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        dropout_forward(np.ones(3), 0.5, "eval", 0)
