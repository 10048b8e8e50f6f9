"""Hidden tests of dropnorm/batchnorm.py: train-mode values and running averages, test mode,
the normalized output's statistics and the backward pass."""
import numpy as np

from autograder.checks.common import LayerGradient, check_layer_gradient, check_value_call, for_reference, rng_for
from autograder.checks.diagnosis import Suspect
from autograder.checks.framework import CheckFailed, check, describe, expect_array, unpack


FORWARD, BACKWARD = "batchnorm.batchnorm_forward", "batchnorm.batchnorm_backward"
N, D = 7, 4  # N != D: statistics over the wrong axis cannot keep the shape


def _inputs(seed, n=N, d=D):
    """x with an offset and a spread per feature, gamma and beta away from 1 and 0."""
    rng = rng_for("batchnorm", seed)
    x = rng.uniform(-3, 3, size=d) + rng.uniform(0.5, 3.0, size=d) * rng.standard_normal((n, d))
    return x, rng.uniform(0.5, 2.0, size=d), rng.standard_normal(d)


def _bn_param(seed, mode, **options):
    """A bn_param with running averages away from the defaults (zeros, ones)."""
    rng = rng_for("bn_param", seed)
    return {"mode": mode, "running_mean": rng.standard_normal(D), "running_var": rng.uniform(0.5, 2.0, size=D),
            **options}


TRAIN_CASES = [("bn_param with running averages, default eps and momentum", _bn_param(0, "train")),
               ("eps=0.1, momentum=0.5", _bn_param(1, "train", eps=0.1, momentum=0.5)),
               ("bn_param holding only the mode (the defaults)", {"mode": "train"})]


def _statistics(x, bn_param):
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    running = (bn_param.get("running_mean", np.zeros(D)), bn_param.get("running_var", np.ones(D)))
    return x.mean(axis=0), x.var(axis=0), x.var(axis=0, ddof=1), eps, momentum, running


def _reference_out(t, x, gamma, beta, bn_param):
    """The reference's output for these inputs (on copies: bn_param is not changed)."""
    return t.ref.batchnorm.batchnorm_forward(x.copy(), gamma.copy(), beta.copy(), for_reference(bn_param))[0]


def _normalized(x, gamma, beta, mean, var, eps):
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def _eps_outside(x, gamma, beta, mean, var, eps):
    """The output of the mistake 1 / (sqrt(var) + eps)."""
    return Suspect("batchnorm_eps_outside_sqrt", "{what} divides by sqrt(var) + eps: eps is added to the variance "
                   "inside the square root, sqrt(var + eps)", gamma * (x - mean) / (np.sqrt(var) + eps) + beta)


def _train_out_suspects(x, gamma, beta, bn_param):
    mean, var, unbiased, eps, _, _ = _statistics(x, bn_param)
    return [Suspect("batchnorm_unbiased_variance", "{what} is normalized with the unbiased variance (divided by "
                    "N - 1): the contract uses the biased one, np.var(x, axis=0)",
                    _normalized(x, gamma, beta, mean, unbiased, eps)),
            _eps_outside(x, gamma, beta, mean, var, eps)]


def _running_suspects(x, bn_param, key):
    mean, var, unbiased, _, momentum, (run_mean, run_var) = _statistics(x, bn_param)
    old, batch = (run_mean, mean) if key == "running_mean" else (run_var, var)
    suspects = [Suspect("batchnorm_running_average_not_updated", "{what} still holds its value from before the "
                        "call: train mode stores the updated average back into bn_param", old),
                Suspect("batchnorm_momentum_swapped", "{what} is (1 - momentum) * running + momentum * batch: the "
                        "old value keeps the weight momentum", (1 - momentum) * old + momentum * batch)]
    if key == "running_var":
        suspects.append(Suspect("batchnorm_unbiased_variance", "{what} averages the unbiased variance (divided by "
                                "N - 1): the contract uses the biased one in both places",
                                momentum * old + (1 - momentum) * unbiased))
    return suspects


def _running_after(after, key):
    bn_param = after[3] if isinstance(after, (list, tuple)) and len(after) == 4 else None
    value = bn_param.get(key) if isinstance(bn_param, dict) else None
    if value is None:
        raise CheckFailed(f"after a train-mode call bn_param has no {key!r} (got {describe(bn_param)}): train mode "
                          "stores the updated running averages in bn_param", "batchnorm_running_average_not_updated")
    return value


@check("batchnorm_forward.train", points=3, visibility="visible", functions=["batchnorm_forward"],
       name="batchnorm_forward: train mode, batch statistics")
def batchnorm_train(t):
    for seed, (label, bn_param) in enumerate(TRAIN_CASES):
        with t.case(label):
            x, gamma, beta = _inputs(seed)
            expected = _reference_out(t, x, gamma, beta, bn_param)
            check_value_call(t, FORWARD, (x, gamma, beta, bn_param), (expected, None), count=2, repeat=seed == 0,
                             suspects=lambda _, x=x, g=gamma, b=beta, p=bn_param: _train_out_suspects(x, g, b, p))


@check("batchnorm_forward.running_averages", points=2, visibility="visible", functions=["batchnorm_forward"],
       name="batchnorm_forward: running averages updated in train mode")
def batchnorm_running(t):
    for seed, (label, bn_param) in enumerate(TRAIN_CASES):
        with t.case(label):
            x, gamma, beta = _inputs(seed + 10)
            reference = for_reference(bn_param)
            t.ref.batchnorm.batchnorm_forward(x.copy(), gamma.copy(), beta.copy(), reference)
            result, after = t.call(FORWARD, x, gamma, beta, bn_param)
            unpack(result, 2, "batchnorm_forward")
            for key in ("running_mean", "running_var"):
                expect_array(_running_after(after, key), reference[key], 1e-7, f"bn_param[{key!r}]",
                             lambda key=key, x=x, p=bn_param: _running_suspects(x, p, key))
            _expect_new_arrays(t, (x, gamma, beta, bn_param))


def _expect_new_arrays(t, args):
    """The running averages the caller passed in bn_param stay as they were: train mode stores
    new arrays (an update in place would change the caller's arrays, e.g. a model's saved copy)."""
    bn_param = args[3]
    held = t.request({"op": "call_keeps_state", "target": FORWARD, "args": list(args), "state": 3},
                     FORWARD).get("held")
    for key in ("running_mean", "running_var"):
        if key in bn_param and not (isinstance(held, dict) and np.array_equal(held.get(key), bn_param[key])):
            raise CheckFailed(f"the array passed as bn_param[{key!r}] was changed in place: train mode stores the "
                              "updated average as a new array (running = momentum * running + ...), leaving the "
                              "caller's array as it was", "mutates_input")


@check("batchnorm_forward.test_mode", points=2, visibility="visible", functions=["batchnorm_forward"],
       name="batchnorm_forward: test mode, running statistics")
def batchnorm_test_mode(t):
    for seed, options in enumerate([{}, {"eps": 0.1}]):
        with t.case(f"running averages away from the batch's statistics{', eps=0.1' if options else ''}"):
            x, gamma, beta = _inputs(seed + 20)
            bn_param = _bn_param(seed + 20, "test", **options)
            expected = _reference_out(t, x, gamma, beta, bn_param)
            mean, var, _, eps, _, _ = _statistics(x, bn_param)
            _, after = t.call(FORWARD, x, gamma, beta, bn_param)
            check_value_call(t, FORWARD, (x, gamma, beta, bn_param), (expected, None), count=2,
                             suspects=lambda _, x=x, g=gamma, b=beta, m=mean, v=var, e=eps, p=bn_param: [Suspect(
                                 "batchnorm_batch_stats_in_test_mode", "{what} is normalized with the batch's own "
                                 "mean and variance: test mode uses bn_param's running_mean and running_var",
                                 _normalized(x, g, b, m, v, e)),
                                 _eps_outside(x, g, b, p["running_mean"], p["running_var"], e)])
            for key in ("running_mean", "running_var"):
                got = after[3].get(key) if isinstance(after, (list, tuple)) and isinstance(after[3], dict) else None
                if not (isinstance(got, np.ndarray) and np.array_equal(got, bn_param[key])):
                    raise CheckFailed(f"test mode changed bn_param[{key!r}]: the running averages change only in "
                                      "train mode", "batchnorm_running_average_updated_in_test_mode")


@check("batchnorm_forward.statistics", points=1, visibility="after_due_date", functions=["batchnorm_forward"],
       name="batchnorm_forward: train output has per-feature mean beta and std gamma")
def batchnorm_statistics(t):
    """Over a batch of 300 rows whose features have variances from 4 to 100, the train-mode
    output's per-feature mean must equal beta within 1e-8 (absolute, plus 1e-8 |beta|) and its
    standard deviation (np.std, divided by N) gamma within 1e-4 relative: eps = 1e-5 moves it by
    at most 1.3e-6 relative; the unbiased variance would move it by 1.7e-3."""
    rng = rng_for("batchnorm", "statistics")
    scale = np.array([2.0, 5.0, 10.0, 3.0])
    x = rng.uniform(-50, 50, size=D) + scale * rng.standard_normal((300, D))
    gamma, beta = np.array([0.5, 1.0, 2.0, 3.0]), np.array([-1.0, 0.0, 2.5, 10.0])
    with t.case("300 rows, features of mean up to 50 and std from 2 to 10"):
        result, _ = t.call(FORWARD, x, gamma, beta, {"mode": "train"})
        out = unpack(result, 2, "batchnorm_forward")[0]
        expect_array(out, x, np.inf, "out")  # only its form
        mean, std = out.mean(axis=0), out.std(axis=0)
        t.figures["output_statistics"] = {"mean": mean.tolist(), "std": std.tolist()}
        if not np.all(np.abs(mean - beta) <= 1e-8 * (1 + np.abs(beta))):
            j = int(np.argmax(np.abs(mean - beta)))
            raise CheckFailed(f"the mean of feature {j} of the output is {mean[j]:.8g}, expected beta[{j}] = "
                              f"{beta[j]:.8g}: subtract the batch mean over axis 0")
        if not np.all(np.abs(std / gamma - 1) <= 1e-4):
            j = int(np.argmax(np.abs(std / gamma - 1)))
            ratio = std[j] / gamma[j]
            unbiased = abs(ratio - np.sqrt(299 / 300)) < 1e-5
            raise CheckFailed(f"the standard deviation of feature {j} of the output is {std[j]:.8g}, expected "
                              f"gamma[{j}] = {gamma[j]:.8g} (ratio {ratio:.6f})",
                              "batchnorm_unbiased_variance" if unbiased else "unknown")


def _dx(dout, gamma, inv_std, x_hat, train, mean_term=True, variance_term=True):
    """dx of batch normalization from its parts; without a term, or with a wrong part, a known mistake."""
    if not train:
        return dout * gamma * inv_std
    mean_part, variance_part = dout.mean(axis=0), x_hat * (dout * x_hat).mean(axis=0)
    return gamma * inv_std * (dout - mean_term * mean_part - variance_term * variance_part)


def _backward_suspects(x, gamma, bn_param):
    """function(name, dout) -> suspects of the backward pass, in bn_param's mode."""
    mean, var, _, eps, _, running = _statistics(x, bn_param)
    train = bn_param["mode"] == "train"
    if not train:
        mean, var = running
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    inv_outside = 1.0 / (np.sqrt(var) + eps)  # the forward pass's mistake, carried into the cache

    def suspects(check, dout, name):
        if name == "dx":
            found = [Suspect("batchnorm_dx_missing_gamma", "{what} lacks the factor gamma: out = gamma * x_hat + "
                             "beta, so the gradient reaching x_hat is dout * gamma",
                             _dx(dout, 1.0, inv_std, x_hat, train)),
                     Suspect("batchnorm_eps_outside_sqrt", "{what} is the gradient with 1 / (sqrt(var) + eps) in place "
                             "of 1 / sqrt(var + eps): eps goes inside the square root",
                             _dx(dout, gamma, inv_outside, (x - mean) * inv_outside, train))]
            if train:
                found += [Suspect("batchnorm_dx_missing_mean_terms", "{what} equals dout * gamma / sqrt(var + eps): in "
                                  "train mode the batch mean and variance depend on x, and dx needs their terms",
                                  _dx(dout, gamma, inv_std, x_hat, train, False, False)),
                          Suspect("batchnorm_dx_missing_mean_terms", "{what} has the term through the batch mean but "
                                  "not the one through the batch variance", _dx(dout, gamma, inv_std, x_hat, train,
                                                                               variance_term=False)),
                          Suspect("batchnorm_dx_missing_mean_terms", "{what} has the term through the batch variance "
                                  "but not the one through the batch mean (- mean over the batch of dout * gamma)",
                                  _dx(dout, gamma, inv_std, x_hat, train, mean_term=False))]
            return found
        if name == "dgamma":
            return [Suspect("batchnorm_dgamma_wrong", "{what} equals sum(dout * x): dgamma sums dout * x_hat, the "
                            "normalized input", np.sum(dout * x, axis=0)),
                    Suspect("batchnorm_dgamma_wrong", "{what} equals sum(dout), dbeta's formula: dgamma sums "
                            "dout * x_hat", np.sum(dout, axis=0))]
        return [Suspect("batchnorm_dbeta_wrong", "{what} equals sum(dout * x_hat), dgamma's formula: dbeta sums "
                        "dout", np.sum(dout * x_hat, axis=0))]
    return suspects


def _gradient(label, x, gamma, beta, bn_param):
    """The gradient check of one case: x, gamma and beta differentiated; bn_param fixed."""
    return LayerGradient(f"batchnorm, {label}", FORWARD, BACKWARD, (x, gamma, beta), ("dx", "dgamma", "dbeta"),
                         extra={"bn_param": bn_param}, batch=True, suspects=_backward_suspects(x, gamma, bn_param))


@check("batchnorm_backward.gradient", points=5, visibility="after_due_date",
       functions=["batchnorm_backward", "batchnorm_forward"], name="batchnorm_backward: gradient check", seconds=0.08)
def batchnorm_gradient(t):
    for seed, (label, bn_param) in enumerate(TRAIN_CASES[:2]):
        with t.case(f"train mode, {label}"):
            check_layer_gradient(t, _gradient(label, *_inputs(seed + 30), bn_param))
    with t.case("test mode"):
        check_layer_gradient(t, _gradient("test mode", *_inputs(40), _bn_param(40, "test")))
