"""Training where batch normalization matters: a deep sigmoid net on spirals.

The student's DeepMLP (with their batchnorm and dropout) trains in the sandbox with the
package's provided optim.train; the grader scores the returned parameters and running averages
with the reference's test-mode forward pass.

Measured (reference, 300 spirals points, [2, 32 x 6, 3] sigmoid, learning rate 0.5, batches of
64, 400 iterations, seeds 0-5, training accuracy in test mode): with batchnorm 94.7%, 100%,
99.7%, 99.7%, 100%, 99.7%; without it 38.3%, 36.3%, 31.3%, 34.7%, 36.3%, 34.3% (chance is
about 33%: the sigmoid layers' gradients vanish and the net predicts one class). The check
trains one seed (the run costs most of the grading time), with the threshold at 90%. Each run
is kept for the report as a records.TrainingRun (the student's loss curve and accuracy beside
the reference's with batchnorm); the reference's accuracy without batchnorm is a figure.
"""
from functools import lru_cache

import numpy as np

from autograder import reference_cache
from autograder.checks.framework import CheckFailed, check, describe
from autograder.report.records import TrainingRun

N_POINTS, THRESHOLD = 300, 0.9
SEEDS = (0,)  # one run: about 2 s of the grading time under load (0.7 s on an idle core)
DIMS = [2] + [32] * 6 + [3]
MODEL = {"activation": "sigmoid", "normalization": "batchnorm"}
CONFIG = {"learning_rate": 0.5, "batch_size": 64, "num_iters": 400}


def data(ref, seed):
    """The run's data set: X (N_POINTS, 2), y (N_POINTS,)."""
    return ref.data.spirals(N_POINTS, seed=seed)


def _entry_name(normalization, seed):
    return f"training-{normalization or 'none'}-{seed}"


@lru_cache(maxsize=None)
def _train_reference(ref, normalization, seed):
    X, y = data(ref, seed)
    model = ref.nets.DeepMLP(DIMS, **{**MODEL, "normalization": normalization}, seed=seed)
    history = ref.optim.train(model, X, y, seed=seed, **CONFIG)
    return [float(v) for v in history["loss"]], ref.optim.accuracy(model, X, y)


def reference_entries():
    """What the reference's own runs give, with and without batchnorm, for reference_cache:
    dict entry name -> Entry with values {"loss": list of floats, "accuracy": float}."""
    from autograder import reference
    ref = reference.load()
    entries = {}
    for normalization in (None, "batchnorm"):
        for seed in SEEDS:
            losses, accuracy = _train_reference(ref, normalization, seed)
            entries[_entry_name(normalization, seed)] = reference_cache.Entry({"loss": losses, "accuracy": accuracy},
                                                                              {})
    return entries


def _accuracy(ref, answer, X, y, seed):
    """Test-mode accuracy of the reference DeepMLP holding the student's params and running averages."""
    model = ref.nets.DeepMLP(DIMS, **MODEL, seed=seed)
    params, bn_params = answer.get("params"), answer.get("bn_params")
    for name, value in model.params.items():
        got = params.get(name) if isinstance(params, dict) else None
        if not isinstance(got, np.ndarray) or got.shape != value.shape or got.dtype.kind != "f":
            raise CheckFailed(f"after training, params['{name}'] is {describe(got)}, expected shape {value.shape}")
        model.params[name] = got
    if not isinstance(bn_params, list) or len(bn_params) != len(model.bn_params):
        raise CheckFailed(f"after training, model.bn_params is {describe(bn_params)}, expected a list of "
                          f"{len(model.bn_params)} dicts", "wrong_type")
    for i, (mine, kept) in enumerate(zip(bn_params, model.bn_params)):
        for key in ("running_mean", "running_var"):
            got = mine.get(key) if isinstance(mine, dict) else None
            if not isinstance(got, np.ndarray) or got.shape != kept[key].shape or got.dtype.kind != "f":
                raise CheckFailed(f"after training, bn_params[{i}][{key!r}] is {describe(got)}, expected shape "
                                  f"{kept[key].shape}")
            kept[key] = got
    with np.errstate(all="ignore"):
        return float(np.mean(np.argmax(model.loss(X), axis=1) == y))


@check("training.batchnorm_deep_sigmoid", points=4, visibility="after_due_date",
       functions=["DeepMLP", "batchnorm_forward", "batchnorm_backward"],
       name="training: batchnorm lets a deep sigmoid net fit spirals", seconds=0.75)
def batchnorm_deep_sigmoid(t):
    without_batchnorm = t.figures.setdefault("reference_accuracy_without_batchnorm", {})  # seed -> accuracy
    for seed in SEEDS:
        with t.case(f"spirals, seed {seed}"):
            X, y = data(t.ref, seed)
            answer = t.request({"op": "train", "model": {"target": "nets.DeepMLP", "args": [DIMS],
                                                         "kwargs": {**MODEL, "seed": seed}},
                                "args": [X, y], "kwargs": {**CONFIG, "seed": seed}}, "nets.DeepMLP.loss", timeout=30)
            accuracy = _accuracy(t.ref, answer, X, y, seed)
            theirs = reference_cache.entry(_entry_name("batchnorm", seed)).values
            reference, ref_losses = theirs["accuracy"], theirs["loss"]
            without = without_batchnorm[str(seed)] = reference_cache.entry(_entry_name(None, seed)).values["accuracy"]
            losses = answer["history"].get("loss") if isinstance(answer.get("history"), dict) else None
            finite = isinstance(losses, list) and all(isinstance(v, (int, float)) and np.isfinite(v) for v in losses)
            # The curve beside the reference's (with batchnorm) only when it has one loss per iteration as theirs.
            curve = losses if finite and len(losses) == len(ref_losses) else None
            t.record(TrainingRun("spirals", seed, curve, ref_losses, accuracy, reference, THRESHOLD))
            if accuracy < THRESHOLD:
                raise CheckFailed(f"training accuracy {accuracy:.1%} after {CONFIG['num_iters']} iterations, needed "
                                  f"{THRESHOLD:.0%} (the reference reaches {reference:.1%} with batchnorm, "
                                  f"{without:.1%} without it)", "diverged" if not finite else "not_converged",
                                  {"accuracy": accuracy, "reference_accuracy": reference})
