

# The computational graph written out node by node, and walked back one node at a time.
def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    if mode not in ("train", "test"):
        raise ValueError(f"bn_param['mode'] must be 'train' or 'test', got {mode!r}")
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    D = x.shape[1]
    if mode == "test":
        std = np.sqrt(bn_param.get("running_var", np.ones(D)) + eps)
        x_hat = (x - bn_param.get("running_mean", np.zeros(D))) / std
        return gamma * x_hat + beta, ("test", x_hat, std, gamma)
    N = x.shape[0]
    mu = np.sum(x, axis=0) / N
    centered = x - mu
    var = np.sum(centered ** 2, axis=0) / N
    std = np.sqrt(var + eps)
    x_hat = centered / std
    bn_param["running_mean"] = momentum * bn_param.get("running_mean", np.zeros(D)) + (1 - momentum) * mu
    bn_param["running_var"] = momentum * bn_param.get("running_var", np.ones(D)) + (1 - momentum) * var
    return gamma * x_hat + beta, ("train", x_hat, std, gamma, centered)


def batchnorm_backward(dout, cache):
    mode, x_hat, std, gamma = cache[:4]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    if mode == "test":
        return dx_hat / std, dgamma, dbeta
    centered = cache[4]
    N = dout.shape[0]
    dstd = -np.sum(dx_hat * centered, axis=0) / std ** 2
    dvar = dstd / (2 * std)
    dcentered = dx_hat / std + 2 * centered * dvar / N
    dmu = -np.sum(dcentered, axis=0)
    return dcentered + dmu / N, dgamma, dbeta
