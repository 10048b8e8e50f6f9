"""The lecture's hard cases for a linear classifier, as 2-D binary data sets (provided).

Each function returns (X, y): X float array of shape (n, 2), y int array of shape (n,) with
values in {0, 1}, about half of each class, deterministic for a seed. A narrow empty band
separates the classes, so a small network can fit them; rows come in random order.
"""
import numpy as np


def _shuffled(X, y, rng):
    order = rng.permutation(len(y))
    return X[order], y[order]


def _half(n):
    """Sizes of class 1 and class 0 for n points."""
    return n // 2, n - n // 2


def quadrants(n, seed=0):
    """Class 1 in the first and third quadrants, class 0 in the second and fourth.

    Inputs:
    - n: int, number of points.
    - seed: int.

    Returns a tuple of X (n, 2) in [-1, 1]**2 and y (n,).
    """
    rng = np.random.default_rng(seed)
    # Keep points 0.1 away from the axes: the band between quadrants stays empty.
    X = rng.uniform(0.1, 1.0, size=(n, 2)) * rng.choice([-1.0, 1.0], size=(n, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    return X, y


def ring(n, seed=0):
    """Class 1 where 1 <= ||x|| <= 2, class 0 everywhere else (inside and around the ring).

    Inputs:
    - n: int, number of points.
    - seed: int.

    Returns a tuple of X (n, 2) within radius 3 and y (n,).
    """
    rng = np.random.default_rng(seed)
    n1, n0 = _half(n)
    r1 = rng.uniform(1.1, 1.9, size=n1)
    # Class 0 splits between the disc inside the ring and the band outside it.
    inside = rng.random(n0) < 0.4
    r0 = np.where(inside, 0.8 * np.sqrt(rng.random(n0)), rng.uniform(2.2, 3.0, size=n0))
    r = np.concatenate([r1, r0])
    theta = rng.uniform(0.0, 2 * np.pi, size=n)
    X = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
    y = np.concatenate([np.ones(n1, dtype=int), np.zeros(n0, dtype=int)])
    return _shuffled(X, y, rng)


THREE_MODES_CENTERS = np.array([[0.0, 1.5], [-1.3, -0.75], [1.3, -0.75]])


def three_modes(n, seed=0):
    """Class 1 around three modes, class 0 everywhere else in the square [-3, 3]**2.

    Inputs:
    - n: int, number of points.
    - seed: int.

    Returns a tuple of X (n, 2) and y (n,).
    """
    rng = np.random.default_rng(seed)
    n1, n0 = _half(n)
    mode = rng.integers(len(THREE_MODES_CENTERS), size=n1)
    radius = 0.6 * np.sqrt(rng.random(n1))
    angle = rng.uniform(0.0, 2 * np.pi, size=n1)
    X1 = THREE_MODES_CENTERS[mode] + radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    # Class 0: uniform in the square, at least 0.9 from every mode (rejection sampling).
    X0 = np.empty((0, 2))
    while len(X0) < n0:
        candidates = rng.uniform(-3.0, 3.0, size=(2 * n0, 2))
        dist = np.linalg.norm(candidates[:, None, :] - THREE_MODES_CENTERS[None], axis=2).min(axis=1)
        X0 = np.concatenate([X0, candidates[dist > 0.9]])
    X = np.concatenate([X1, X0[:n0]])
    y = np.concatenate([np.ones(n1, dtype=int), np.zeros(n0, dtype=int)])
    return _shuffled(X, y, rng)


def linear(n, seed=0):
    """Linearly separable: class 1 above a line through the origin, with a margin.

    Inputs:
    - n: int, number of points.
    - seed: int.

    Returns a tuple of X (n, 2) in [-2, 2]**2 and y (n,).
    """
    rng = np.random.default_rng(seed)
    normal = np.array([1.0, 2.0]) / np.sqrt(5.0)
    # Rejection sampling: draw until n points lie outside the margin band (a single draw may not).
    X = np.empty((0, 2))
    while len(X) < n:
        candidates = rng.uniform(-2.0, 2.0, size=(2 * n, 2))
        X = np.concatenate([X, candidates[np.abs(candidates @ normal) > 0.2]])
    X = X[:n]
    y = (X @ normal > 0).astype(int)
    return X, y


DATASETS = {"quadrants": quadrants, "ring": ring, "three_modes": three_modes, "linear": linear}
