"""The lecture's data sets, and the reference train on them: MLP fits, linear classifier fails."""
import numpy as np
import pytest

from gradlab import data, nets, optim

NAMES = ["quadrants", "ring", "three_modes", "linear"]


def labels_by_definition(name, X):
    """Class 1 by each data set's definition, computed independently of gradlab."""
    if name == "quadrants":
        return X[:, 0] * X[:, 1] > 0
    if name == "ring":
        r = np.linalg.norm(X, axis=1)
        return (1 <= r) & (r <= 2)
    if name == "three_modes":
        centers = np.array([[0.0, 1.5], [-1.3, -0.75], [1.3, -0.75]])
        return np.linalg.norm(X[:, None, :] - centers[None], axis=2).min(axis=1) <= 0.75
    return X @ np.array([1.0, 2.0]) > 0


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("n", [1, 2, 7, 100])
def test_shapes_and_dtypes(name, n):
    for seed in range(40):
        X, y = data.DATASETS[name](n, seed=seed)
        assert X.shape == (n, 2) and y.shape == (n,), f"seed {seed}"
        assert X.dtype == np.float64 and np.issubdtype(y.dtype, np.integer)
        assert set(np.unique(y).tolist()) <= {0, 1}


@pytest.mark.parametrize("name", NAMES)
def test_deterministic_per_seed(name):
    make = data.DATASETS[name]
    X0, y0 = make(200, seed=3)
    X1, y1 = make(200, seed=3)
    X2, _ = make(200, seed=4)
    assert np.array_equal(X0, X1) and np.array_equal(y0, y1)
    assert not np.array_equal(X0, X2)
    assert np.array_equal(make(200)[0], make(200, seed=0)[0])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", [0, 1])
def test_labels_follow_the_definition_and_classes_are_balanced(name, seed):
    X, y = data.DATASETS[name](1000, seed=seed)
    assert np.array_equal(y == 1, labels_by_definition(name, X))
    assert 0.4 < y.mean() < 0.6


@pytest.mark.parametrize("name, inside", [
    ("quadrants", lambda X: np.abs(X).max() <= 1.0),
    ("ring", lambda X: np.linalg.norm(X, axis=1).max() <= 3.0),
    ("three_modes", lambda X: np.abs(X).max() <= 3.0),
    ("linear", lambda X: np.abs(X).max() <= 2.0),
])
def test_points_stay_in_their_region(name, inside):
    assert inside(data.DATASETS[name](1000)[0])


def trained_accuracy(model, name, seed):
    """Training accuracy after the reference train: plain SGD, rate 0.5, batches of 32."""
    X, y = data.DATASETS[name](300, seed=seed)
    optim.train(model, X, y, update_rule="sgd", optim_config={"learning_rate": 0.5}, batch_size=32,
                num_iters=1000, seed=seed)
    return np.mean(model.predict(X) == y)


@pytest.mark.parametrize("name", ["ring", "three_modes", "quadrants"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_layer_relu_network_fits_the_hard_cases(name, seed):
    assert trained_accuracy(nets.MLP([2, 32, 2], seed=seed), name, seed) >= 0.95


@pytest.mark.parametrize("name", ["ring", "three_modes"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_linear_classifier_fails_on_the_hard_cases(name, seed):
    assert trained_accuracy(nets.LinearClassifier(2, 2, seed=seed), name, seed) < 0.7


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_linear_classifier_fits_linear_data(seed):
    assert trained_accuracy(nets.LinearClassifier(2, 2, seed=seed), "linear", seed) >= 0.95
