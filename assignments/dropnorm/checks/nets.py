"""Hidden tests of dropnorm/nets.py: DeepMLP's test-mode scores, its train-mode loss and
gradients with batchnorm and dropout, and the running averages it keeps."""
import numpy as np

from autograder.checks.common import GRAD_TOL, H, NUMERIC_TOL, VALUE_TOL, compare_gradient, rng_for
from autograder.checks.diagnosis import Suspect
from autograder.checks.framework import CheckFailed, check, describe, expect_array, expect_float, unpack

from . import net_mistakes

DIMS = [4, 6, 5, 3]
SEED = 7  # the loss's seed: the dropout masks, the same at every evaluation
CONFIGS = {  # label -> DeepMLP keyword arguments
    "relu, no options": {},
    "relu, batchnorm": {"normalization": "batchnorm"},
    "tanh, dropout p=0.6": {"activation": "tanh", "dropout": 0.6},
    "sigmoid, batchnorm and dropout p=0.7": {"activation": "sigmoid", "normalization": "batchnorm", "dropout": 0.7},
}


def _model(t, config, seed, dims=DIMS):
    """(init dict for the sandbox, reference model) with the same hand-set parameters: gamma and
    beta away from ones and zeros, biases non-zero, so that every contract detail shows."""
    reference = t.ref.nets.DeepMLP(dims, seed=seed, **config)
    rng = rng_for("DeepMLP", seed, sorted(config.items()))
    for name, value in reference.params.items():
        reference.params[name] = value + 0.5 * rng.standard_normal(value.shape)
    init = {"args": [dims], "kwargs": {**config, "seed": seed}, "params": dict(reference.params)}
    return init, reference


def _batch(seed, n=8):
    rng = rng_for("batch", seed)
    return 2.0 * rng.standard_normal((n, DIMS[0])) + 1.0, rng.integers(DIMS[-1], size=n)


def _grads(grads, ref_grads):
    if not isinstance(grads, dict) or set(grads) != set(ref_grads):
        raise CheckFailed(f"grads must be a dict with keys {sorted(ref_grads)}; got "
                          f"{sorted(grads) if isinstance(grads, dict) else describe(grads)}", "wrong_type")
    return grads


def _swapped(name, ref_grads):
    """Suspects: the gradient of another parameter of the same shape stored under this name."""
    return [Suspect("gradients_swapped", f"{{what}} equals the expected grads['{other}']: the gradients of {name} and "
                    f"{other} are exchanged (check the order of the backward pass's outputs)", value)
            for other, value in ref_grads.items() if other != name and value.shape == ref_grads[name].shape]


# The layers DeepMLP calls are among each check's functions, so that a failure names a failing
# layer as its likely cause (a wrong dropout mask shows first in dropout_forward's own tests).
@check("DeepMLP.scores", points=2, visibility="visible", functions=["DeepMLP", "batchnorm_forward",
                                                                     "dropout_forward"],
       name="DeepMLP: test-mode scores (running averages, no dropout)")
def deep_mlp_scores(t):
    for seed, (label, config) in enumerate(CONFIGS.items()):
        with t.case(label):
            init, reference = _model(t, config, seed)
            X, _ = _batch(seed)
            scores, _ = t.call("nets.DeepMLP.loss", X, init=init)
            expect_array(scores, reference.loss(X.copy()), VALUE_TOL, "scores",
                         lambda reference=reference, X=X: net_mistakes.suspects(t.ref, reference, X))


@check("DeepMLP.loss.gradient", points=4, visibility="after_due_date", functions=["DeepMLP", "batchnorm_backward",
                                                                                   "dropout_backward",
                                                                                   "batchnorm_forward",
                                                                                   "dropout_forward"],
       name="DeepMLP: train-mode loss and gradients", seconds=0.1)
def deep_mlp_gradient(t):
    for seed, (label, config) in enumerate(CONFIGS.items()):
        with t.case(label):
            init, reference = _model(t, config, seed + 10)
            X, y = _batch(seed + 10)
            ref_loss, ref_grads = reference.loss(X.copy(), y, seed=SEED)
            result, _ = t.call("nets.DeepMLP.loss", X, y, seed=SEED, init=init)
            loss, grads = unpack(result, 2, "DeepMLP.loss")
            fresh = _model(t, config, seed + 10)[1]  # reference.loss changed its running averages
            expect_float(loss, ref_loss, VALUE_TOL, "loss",
                         lambda fresh=fresh, X=X, y=y: net_mistakes.suspects(t.ref, fresh, X, y, SEED))
            grads = _grads(grads, ref_grads)
            for name in ref_grads:
                compare_gradient(t, "DeepMLP.loss", name, grads[name], ref_grads[name], GRAD_TOL, f"grads['{name}']",
                                 lambda name=name, ref_grads=ref_grads: _swapped(name, ref_grads), n=len(y))
            # Along one random direction per parameter: is the gradient the derivative of the
            # student's own loss (the same seed, so the same dropout masks, at every evaluation)?
            call = {"target": "nets.DeepMLP.loss", "args": [X, y], "kwargs": {"seed": SEED}, "init": init}
            wrt = {name: (f"params.{name}", value) for name, value in init["params"].items()}
            slopes = t.directional_derivatives(call, wrt, rng_for("directions", seed), H, select=(0,))
            for name, (direction, slope) in slopes.items():
                # floor 1e-4: a bias before batchnorm has gradient 0, its slope is rounding noise (~1e-11)
                expect_float(float(np.sum(grads[name] * direction)), slope, NUMERIC_TOL,
                             f"grads['{name}'] along a random direction, against centered differences of your loss",
                             floor=1e-4)


# (label, dims, DeepMLP keyword arguments, loss's seed): three hidden layers, so that every
# seeding of the masks but (seed, i) shows; seeds not 0, so that an ignored seed shows.
LAYOUT_CASES = [("relu, dropout p=0.5, train mode", [4, 6, 5, 5, 3], {"dropout": 0.5}, 3),
                ("tanh, batchnorm and dropout p=0.8, train mode", [4, 6, 5, 5, 3],
                 {"activation": "tanh", "normalization": "batchnorm", "dropout": 0.8}, 11)]


@check("DeepMLP.layout", points=4, visibility="visible", functions=["DeepMLP", "dropout_forward", "batchnorm_forward"],
       name="DeepMLP: dropout after each hidden activation, seeded (seed, i); test mode in every layer")
def deep_mlp_layout(t):
    for case, (label, dims, config, seed) in enumerate(LAYOUT_CASES):
        init, reference = _model(t, config, case + 30, dims)
        fresh = _model(t, config, case + 30, dims)[1]  # for the suspects: reference.loss changes its state
        X, y = _batch(case + 30)
        with t.case(label):
            result, _ = t.call("nets.DeepMLP.loss", X, y, seed=seed, init=init)
            loss = unpack(result, 2, "DeepMLP.loss")[0]
            expect_float(loss, reference.loss(X.copy(), y, seed=seed)[0], VALUE_TOL, "loss",
                         lambda fresh=fresh, X=X, y=y, seed=seed: net_mistakes.suspects(t.ref, fresh, X, y, seed))
        with t.case(f"{label.rsplit(',', 1)[0]}, test mode: no dropout, the running averages"):
            scores, _ = t.call("nets.DeepMLP.loss", X, init=init)
            expect_array(scores, fresh.loss(X.copy()), VALUE_TOL, "scores",
                         lambda fresh=fresh, X=X: net_mistakes.suspects(t.ref, fresh, X))


@check("DeepMLP.running_averages", points=1, visibility="visible", functions=["DeepMLP", "batchnorm_forward"],
       name="DeepMLP: running averages updated by train passes only")
def deep_mlp_running(t):
    config = CONFIGS["relu, batchnorm"]
    for label, with_labels in (("one train-mode pass, loss(X, y)", True), ("one test-mode pass, loss(X)", False)):
        with t.case(label):
            init, reference = _model(t, config, 20)
            X, y = _batch(20)
            reference.loss(X.copy(), *([y] if with_labels else []), seed=SEED)
            answer = t.request({"op": "loss_state", "model": {"target": "nets.DeepMLP", **init},
                                "args": [X] + ([y] if with_labels else []), "kwargs": {"seed": SEED}},
                               "nets.DeepMLP.loss")
            got = answer.get("bn_params")
            if not isinstance(got, list) or len(got) != len(reference.bn_params) \
                    or not all(isinstance(p, dict) for p in got):
                raise CheckFailed(f"model.bn_params should be a list of {len(reference.bn_params)} dicts, one per "
                                  f"hidden layer; got {describe(got)}", "wrong_type")
            trained = _model(t, config, 20)[1]  # the values after one train pass, for the suspects
            trained.loss(X.copy(), y, seed=SEED)
            for i, (mine, want) in enumerate(zip(got, reference.bn_params)):
                for key in ("running_mean", "running_var"):
                    start, after = init_running(key, want[key].shape), trained.bn_params[i][key]
                    expect_array(mine.get(key), want[key], VALUE_TOL, f"bn_params[{i}][{key!r}]",
                                 lambda s=start, a=after, train=with_labels: _running_suspects(s, a, train))


def init_running(key, shape):
    """A fresh DeepMLP's running average (the docstring's zeros and ones)."""
    return np.zeros(shape) if key == "running_mean" else np.ones(shape)


def _running_suspects(start, after, train, momentum=0.9):
    """Suspects of a running average that started at `start` and is `after` after one correct
    train pass: the batch statistic is b = (after - momentum * start) / (1 - momentum)."""
    batch = (after - momentum * start) / (1 - momentum)
    if not train:
        return [Suspect("batchnorm_running_average_updated_in_test_mode", "{what} changed in a test-mode pass, as "
                        "one train pass changes it: loss(X) must run batchnorm with bn_param['mode'] = 'test'", after)]
    return [Suspect("batchnorm_running_average_not_updated", "{what} still holds its initial value: the train pass "
                    "passes each layer's bn_param to batchnorm_forward, which stores the update", start),
            Suspect("batchnorm_running_average_updated_twice", "{what} is updated twice in one train pass (batchnorm_"
                    "forward called twice on a layer?): the running averages are updated once per pass",
                    momentum * after + (1 - momentum) * batch),
            Suspect("batchnorm_momentum_swapped", "{what} is (1 - momentum) * running + momentum * batch: the old "
                    "value keeps the weight momentum", (1 - momentum) * start + momentum * batch)]
