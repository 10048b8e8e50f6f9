"""Inverted dropout, with the CS231n layer interface.

forward returns (out, cache); backward takes (dout, cache) and returns dx with the shape of x.
The mask is drawn from the seed passed in (no global random state), so that the same seed gives
the same mask: the grader compares masks, and its centered differences see one mask throughout.
"""
import numpy as np


def dropout_forward(x, p, mode, seed):
    """Inverted dropout: keep each unit with probability p and scale the kept ones by 1 / p.

    Inputs:
    - x: float array of any shape.
    - p: float in (0, 1], the probability of KEEPING a unit (not of dropping it).
    - mode: "train" or "test".
    - seed: int (or tuple of ints), passed as is to np.random.default_rng.

    Returns a tuple of:
    - out: float64 array with the shape of x.
      In train mode: rng = np.random.default_rng(seed); mask = rng.random(x.shape) < p
      (exactly this one draw, so the same seed gives the same mask); out = x * mask / p, which
      keeps the expectation of every entry equal to x.
      In test mode: out = x (a copy or x itself; no mask is drawn and nothing is scaled).
    - cache: what dropout_backward needs.

    Raises ValueError for any other mode. The input arrays are not modified.
    """
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    if mode == "test":
        return np.array(x, dtype=float), (None, mode)
    x = np.asarray(x, dtype=np.float64)  # float64 out for float32 x as well
    mask = np.random.default_rng(seed).random(x.shape) < p
    return x * mask / p, (mask / p, mode)


def dropout_backward(dout, cache):
    """Backward pass of dropout_forward.

    Inputs:
    - dout: float array with the shape of x.
    - cache: from dropout_forward.

    Returns:
    - dx: float64 array with the shape of x: dout * mask / p in train mode (the same mask as
      the forward pass), dout in test mode.

    The input arrays are not modified.
    """
    scaled_mask, mode = cache
    if mode == "test":
        return np.array(dout, dtype=float)
    return dout * scaled_mask
