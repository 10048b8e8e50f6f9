"""Reference regularizers: values, gradients, subgradient at 0, purity."""
import numpy as np
import pytest

from gradlab import regularizers
from numdiff import gradient, readonly, rel_err

PENALTIES = {
    "l2": regularizers.l2,
    "l1": regularizers.l1,
    "elastic_net": regularizers.elastic_net,
    "elastic_net_beta_2": lambda W: regularizers.elastic_net(W, beta=2.0),
}
W_HAND = np.array([[1.0, -2.0], [0.0, 3.0]])


@pytest.mark.parametrize("name, expected", [("l2", 14.0), ("l1", 6.0), ("elastic_net", 0.5 * 14 + 6),
                                            ("elastic_net_beta_2", 2.0 * 14 + 6)])
def test_known_values(name, expected):
    R, dW = PENALTIES[name](W_HAND)
    assert isinstance(R, float) and R == expected
    assert dW.shape == W_HAND.shape


@pytest.mark.parametrize("name, expected", [
    ("l2", [[2.0, -4.0], [0.0, 6.0]]),
    ("l1", [[1.0, -1.0], [0.0, 1.0]]),
    ("elastic_net", [[2.0, -3.0], [0.0, 4.0]]),
    ("elastic_net_beta_2", [[5.0, -9.0], [0.0, 13.0]]),
])
def test_known_gradients_with_subgradient_zero_at_zero(name, expected):
    assert np.array_equal(PENALTIES[name](W_HAND)[1], np.array(expected))


@pytest.mark.parametrize("name", PENALTIES)
@pytest.mark.parametrize("shape", [(7,), (4, 3), (2, 3, 2)])
def test_gradient_matches_centered_differences(name, shape):
    rng = np.random.default_rng(len(shape))
    # Entries at least 0.1 away from the kink of |w| at 0.
    W = rng.uniform(0.1, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    R, dW = PENALTIES[name](W)
    assert dW.shape == shape
    assert rel_err(dW, gradient(lambda w: PENALTIES[name](w)[0], W)) < 1e-7


@pytest.mark.parametrize("name", PENALTIES)
def test_zero_weights_give_zero_penalty_and_gradient(name):
    R, dW = PENALTIES[name](np.zeros((3, 2)))
    assert R == 0.0 and np.array_equal(dW, np.zeros((3, 2)))


@pytest.mark.parametrize("name", PENALTIES)
def test_inputs_not_modified_and_deterministic(name):
    W = readonly(W_HAND)
    first, second = PENALTIES[name](W), PENALTIES[name](W)
    assert first[0] == second[0] and np.array_equal(first[1], second[1])
    assert np.array_equal(W, W_HAND)
