

# The mask kept as booleans with p beside it; np.where instead of a product.
def dropout_forward(x, p, mode, seed):
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    x = np.asarray(x, dtype=np.float64)  # float64 out, float32 x included
    if mode == "test":
        return x.copy(), {"mode": mode}
    rng = np.random.default_rng(seed)
    keep = rng.random(x.shape) < p
    return np.where(keep, x / p, 0.0), {"mode": mode, "keep": keep, "p": p}


def dropout_backward(dout, cache):
    if cache["mode"] == "test":
        return dout.copy()
    return np.where(cache["keep"], dout / cache["p"], 0.0)
