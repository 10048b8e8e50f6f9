

# ---- Correct variant: np.vdot, nested np.where, elastic net from the other two. Appended to
# the reference regularizers.py. ----

def l2(W):
    return float(np.vdot(W, W)), W + W


def l1(W):
    return float(np.abs(W).sum()), np.where(W > 0, 1.0, np.where(W < 0, -1.0, 0.0))


def elastic_net(W, beta=0.5):
    (r2, d2), (r1, d1) = l2(W), l1(W)
    return beta * r2 + r1, beta * d2 + d1
