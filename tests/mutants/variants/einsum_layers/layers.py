

# ---- Correct variant: np.einsum and np.tensordot, the cache as a tuple in another order.
# Appended to the reference layers.py. ----

def affine_forward(x, w, b):
    flat = np.reshape(x, (len(x), w.shape[0]))
    return np.einsum("nd,dm->nm", flat, w) + b, (w, x.shape, flat)


def affine_backward(dout, cache):
    w, shape, flat = cache
    dx = np.einsum("nm,dm->nd", dout, w).reshape(shape)
    dw = np.tensordot(flat, dout, axes=([0], [0]))
    db = np.einsum("nm->m", dout)
    return dx, dw, db


def maxout_forward(x, w, b):
    z = np.einsum("nd,kdm->nkm", x, w) + b[None]  # pieces on axis 1 this time
    winner = z.argmax(axis=1)  # the first maximal piece on a tie
    onehot = (winner[:, None, :] == np.arange(w.shape[0])[None, :, None]).astype(float)
    return np.einsum("nkm,nkm->nm", z, onehot), (onehot, x, w)


def maxout_backward(dout, cache):
    onehot, x, w = cache
    dz = onehot * dout[:, None, :]  # (N, K, M)
    return np.einsum("nkm,kdm->nd", dz, w), np.einsum("nd,nkm->kdm", x, dz), dz.sum(axis=0)
