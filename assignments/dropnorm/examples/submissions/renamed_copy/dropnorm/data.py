"""Small 2-D classification data sets (provided, complete).

Each function returns (X, y): X float array of shape (n, 2), y int array of shape (n,) with
values in 0 .. classes - 1, deterministic for a seed, rows in random order.
"""
import numpy as np


def spirals(n, classes=3, seed=0):
    """Interleaved spiral arms, one per class, with a little noise.

    Inputs:
    - n: int, number of points (about n / classes per arm).
    - classes: int, number of arms.
    - seed: int.

    Returns a tuple of X (n, 2) within radius about 1 and y (n,).
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(classes, size=n)
    radius = rng.uniform(0.1, 1.0, size=n)
    angle = 4.0 * radius + 2 * np.pi * y / classes + 0.2 * rng.standard_normal(n)
    X = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return X, y


def blobs(n, classes=3, seed=0):
    """Gaussian clusters, one per class, centred on a circle of radius 2 (easy: nearly separable).

    Inputs:
    - n: int, number of points.
    - classes: int.
    - seed: int.

    Returns a tuple of X (n, 2) and y (n,).
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(classes, size=n)
    centres = 2.0 * np.stack([np.cos(2 * np.pi * np.arange(classes) / classes),
                              np.sin(2 * np.pi * np.arange(classes) / classes)], axis=1)
    return centres[y] + 0.5 * rng.standard_normal((n, 2)), y


DATASETS = {"spirals": spirals, "blobs": blobs}
