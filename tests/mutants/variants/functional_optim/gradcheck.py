

# ---- Correct variant: flat indices with np.unravel_index, a vectorized floor in rel_error,
# coordinates drawn as flat indices. Appended to the reference gradcheck.py. ----

def numerical_gradient(f, x, h=1e-5, method="centered"):
    if method not in ("centered", "forward"):
        raise ValueError(f"unknown method {method!r}")
    grad = np.zeros(x.shape)
    base = f(x) if method == "forward" else None
    for flat in range(x.size):
        ix = np.unravel_index(flat, x.shape)
        saved = x[ix]
        x[ix] = saved + h
        up = f(x)
        if method == "forward":
            x[ix] = saved
            grad[ix] = (up - base) / h
        else:
            x[ix] = saved - h
            down = f(x)
            x[ix] = saved
            grad[ix] = (up - down) / (2 * h)
    return grad


def numerical_gradient_array(f, x, dout, h=1e-5):
    grad = np.zeros(x.shape)
    for flat in range(x.size):
        ix = np.unravel_index(flat, x.shape)
        saved = x[ix]
        x[ix] = saved + h
        up = np.copy(f(x))
        x[ix] = saved - h
        down = np.copy(f(x))
        x[ix] = saved
        grad[ix] = np.sum((up - down) * dout) / (2 * h)
    return grad


def rel_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = np.abs(a) + np.abs(b)
    return float(np.max(np.abs(a - b) / np.where(scale > 1e-8, scale, 1e-8)))


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, seed=0):
    rng = np.random.default_rng(seed)
    errors = []
    for flat in rng.integers(x.size, size=num_checks):
        ix = np.unravel_index(int(flat), x.shape)
        saved = x[ix]
        x[ix] = saved + h
        up = f(x)
        x[ix] = saved - h
        down = f(x)
        x[ix] = saved
        numeric, analytic = (up - down) / (2 * h), analytic_grad[ix]
        errors.append(abs(numeric - analytic) / max(1e-8, abs(numeric) + abs(analytic)))
    return np.array(errors, dtype=float)
