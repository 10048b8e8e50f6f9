"""Hidden tests of gradlab/optim.py: update rules, sampling, gradient descent, the training loop."""
import numpy as np

from autograder.checks.common import check_value_call, rng_for
from autograder.checks.diagnosis import Suspect
from autograder.checks.framework import CheckFailed, call_request, check, describe, expect_array, expect_float, unpack
from .. import child_ops as fixtures


def _step_args(seed):
    rng = rng_for("step", seed)
    return rng.standard_normal((3, 4)), rng.standard_normal((3, 4))


@check("sgd.values")
def sgd_values(t):
    for label, config in [("default learning rate", None), ("learning_rate=0.3", {"learning_rate": 0.3})]:
        w, dw = _step_args(len(label))
        with t.case(label):
            expected = t.ref.optim.sgd(w.copy(), dw, None if config is None else dict(config))[0]
            result, _ = t.call("optim.sgd", w, dw, config)
            expect_array(unpack(result, 2, "sgd")[0], expected, 1e-12, "next_w",
                         lambda w=w, dw=dw, config=config: _step_suspects(t.ref.optim.sgd, w, dw, config))


def _step_suspects(rule, w, dw, config):
    """Known mistakes of an update rule: a step uphill; a learning rate in config ignored."""
    expected = rule(w.copy(), dw, None if config is None else dict(config))[0]
    uphill = Suspect("sign_flipped", "{what} moved w uphill, by + learning_rate * dw: a descent step subtracts "
                     "the gradient", 2 * w - expected)
    if not config or "learning_rate" not in config:
        return [uphill]
    default = rule(w.copy(), dw, {k: v for k, v in config.items() if k != "learning_rate"})[0]
    return [uphill, Suspect("ignores_argument", "{what} equals the step with the default learning rate: is "
                            "config['learning_rate'] used?", default)]


@check("sgd_momentum.values")
def sgd_momentum_values(t):
    w, dw = _step_args(99)
    with t.case("config=None starts afresh: no state kept between calls"):
        # The velocity belongs in config: a global or a mutable default argument leaks between calls.
        expected = t.ref.optim.sgd_momentum(w.copy(), dw, None)[0]
        # Twice with config=None, then twice with config left out (its default).
        calls = [t.call("optim.sgd_momentum", w, dw, *config)[0] for config in ((None,), (None,), (), ())]
        nexts = [unpack(result, 2, "sgd_momentum")[0] for result in calls]
        for first, second in (nexts[:2], nexts[2:]):
            if isinstance(first, np.ndarray) and isinstance(second, np.ndarray) and first.shape == second.shape \
                    and not np.array_equal(first, second):
                raise CheckFailed("two calls with the same w, dw and no config gave different next_w: keep the "
                                  "velocity in config, not in a global variable or a default argument",
                                  "state_leaks_between_calls")
        for got in nexts:
            expect_array(got, expected, 1e-12, "next_w")
    for label, config in [("defaults", None), ("learning_rate=0.1, momentum=0.5",
                                                {"learning_rate": 0.1, "momentum": 0.5})]:
        w, dw = _step_args(len(label))
        with t.case(f"three steps, {label}"):
            ref_w, ref_config = w.copy(), None if config is None else dict(config)
            config = None if config is None else dict(config)
            for step in range(3):
                grad = dw * (step + 1)
                ref_w, ref_config = t.ref.optim.sgd_momentum(ref_w.copy(), grad, ref_config)
                sent = (w, config)
                result, _ = t.call("optim.sgd_momentum", w, grad, config)
                w, config = unpack(result, 2, "sgd_momentum")
                try:
                    expect_array(w, ref_w, 1e-12, f"next_w after step {step + 1}")
                except CheckFailed:
                    _expect_no_leak(t, *sent, grad, w)
                    raise
                if not isinstance(config, dict) or "velocity" not in config:
                    raise CheckFailed(f"the returned config must hold the velocity; got {describe(config)}")
                expect_array(config["velocity"], ref_config["velocity"], 1e-12, f"velocity after step {step + 1}")


def _expect_no_leak(t, w, config, dw, first):
    """A wrong step: if the same call, made again, answers differently, the rule keeps state
    between calls (which then explains the wrong value)."""
    result, _ = t.call("optim.sgd_momentum", w, dw, config)
    again = unpack(result, 2, "sgd_momentum")[0]
    if isinstance(again, np.ndarray) and isinstance(first, np.ndarray) and again.shape == first.shape \
            and not np.array_equal(again, first):
        raise CheckFailed("the same call (w, dw, config) made twice gave different next_w: keep the velocity in "
                          "config, not in a global variable or a default argument", "state_leaks_between_calls")


def _indexed_rows(n):
    """Rows that encode their index: X[i] = (i, -i), y[i] = i, sorted, so a missing shuffle shows."""
    index = np.arange(n, dtype=float)
    return np.stack([index, -index], axis=1), np.arange(n)


def _row_index(labels, n, what):
    """The row indices that labels name (the fixtures' labels are row indices 0..n-1), checked
    before anything is sized or indexed by them: a number the child chose must not size an array."""
    if labels.dtype.kind not in "iuf" or not np.all(np.isfinite(labels)) \
            or not np.array_equal(labels, np.round(labels)) or labels.min(initial=0) < 0 \
            or labels.max(initial=0) >= n:
        raise CheckFailed(f"{what} must hold labels of rows of y (whole numbers from 0 to {n - 1} here); got "
                          f"{describe(labels)}", "rows_misaligned")
    return labels.astype(np.int64)


def _draws(t, X, y, batch_size, seeds):
    """Calls of sample_minibatch with np.random.default_rng(seed) for each of seeds, in one request,
    each checked: the rows each drew, (batch_size,) int64 (the fixture's labels are row indices; the
    student's y_batch may hold them as floats)."""
    calls = t.run_each([call_request("optim.sample_minibatch", X, y, batch_size, {"__rng__": seed}) for seed in seeds],
                       until_failure=True)
    return [_drawn_rows(got()[0], X, batch_size) for got in calls]


def _drawn_rows(result, X, batch_size):
    """The rows a sample_minibatch result drew (see _draws), or CheckFailed."""
    X_batch, y_batch = unpack(result, 2, "sample_minibatch")
    for got, shape, what in ((X_batch, (batch_size, 2), "X_batch"), (y_batch, (batch_size,), "y_batch")):
        if not isinstance(got, np.ndarray):
            raise CheckFailed(f"{what}: got {describe(got)}, expected an array of shape {shape}", "wrong_type")
        if got.shape != shape:
            raise CheckFailed(f"{what}: expected an array of shape {shape}, got {describe(got)}", "wrong_shape")
    index = _row_index(y_batch, len(X), "y_batch")
    if not np.array_equal(X_batch, X[index]):
        raise CheckFailed("X_batch and y_batch rows do not belong together (X[i] and y[i] must stay aligned)",
                          "rows_misaligned")
    if len(set(index.tolist())) != batch_size:
        raise CheckFailed(f"the batch repeats rows: {sorted(index.tolist())}", "sampling_with_replacement")
    return index


@check("sample_minibatch.values", seconds=0.04)
def sample_minibatch_values(t):
    X, y = _indexed_rows(20)
    with t.case("distinct rows, X and y aligned"):
        _draws(t, X, y, 8, [0])
    with t.case("the whole data set as one batch"):
        if sorted(_draws(t, X, y, 20, [1])[0].tolist()) != list(range(20)):
            raise CheckFailed("a batch of size N must hold every row once", "sampling_with_replacement")
    with t.case("uses the rng it is given"):
        first, again, other = _draws(t, X, y, 5, [7, 7, 8])
        if not np.array_equal(first, again):
            raise CheckFailed("two generators with the same seed gave different batches: draw with the rng "
                              "argument, not with np.random's global state", "not_deterministic")
        if np.array_equal(first, other):
            raise CheckFailed("generators with different seeds gave the same batch: use the rng argument",
                              "ignores_argument")
    with t.case("rows are drawn uniformly"):
        batches = _draws(t, X, y, 10, range(100, 130))
        counts = np.bincount(np.concatenate(batches), minlength=20)
        t.figures["row_counts"] = counts.tolist()
        if counts.min() < 3 or counts.max() > 27:  # expected 15 each (sd 2.7); a fair sampler stays well inside
            raise CheckFailed(f"over 30 batches of 10 rows out of 20, row counts range from {counts.min()} to "
                              f"{counts.max()} (expected about 15 each)", "unknown")
        # Every set of rows as likely: neighbours (i and i + 1, 19 and 0) are together 90/19 = 4.7
        # times a batch on average (over 4,000 such runs of rng.choice and rng.permutation: at most
        # 5.5); a window of consecutive rows, whose row counts look uniform, has 9.
        neighbours = np.mean([np.isin((batch + 1) % 20, batch).sum() for batch in batches])
        if neighbours > 6.5:
            raise CheckFailed(f"over 30 batches of 10 rows out of 20, a batch holds {neighbours:.1f} pairs of "
                              "neighbouring rows on average (4.7 for rows drawn uniformly at random): draw "
                              "distinct rows at random, not a run of consecutive ones", "unknown")
        # Every pair of rows as likely to share a batch: each of the 190 pairs does so 7.1 times in
        # 30 batches on average, and the counts' variance across pairs is about 5.3 (at most 12.3
        # in 20,000 runs of rng.choice); windows of one fixed order of the rows (a permutation kept
        # between calls, every other row from a random start) give 18 or more.
        member = np.zeros((len(batches), 20))
        member[np.arange(len(batches))[:, None], np.stack(batches)] = 1.0
        spread = (member.T @ member)[np.triu_indices(20, 1)].var()
        if spread > 16:
            raise CheckFailed(f"over 30 batches of 10 rows out of 20, how often two rows share a batch varies by "
                              f"{spread:.1f} across pairs (a variance; about 5.3 for rows drawn uniformly at random): "
                              "every batch must be a fresh draw in which every set of rows is as likely, not a "
                              "window of one fixed order of the rows", "unknown")


@check("gradient_descent.values")
def gradient_descent_values(t):
    for label, (a, b, c), lr in [("bowl a=1, b=3, c=0.5", (1.0, 3.0, 0.5), 0.1),
                                 ("bowl a=2, b=0.5, c=-1", (2.0, 0.5, -1.0), 0.15)]:
        w0 = np.array([2.0, -1.5])
        with t.case(label):
            ref_w, ref_losses = t.ref.optim.gradient_descent(fixtures.bowl(a, b, c), w0.copy(), lr, 40)
            result = check_value_call(t, "optim.gradient_descent",
                                      ({"__callable__": "bowl", "args": [a, b, c]}, w0, lr, 40),
                                      (ref_w, np.array(ref_losses)), tol=1e-9, count=2, names=("w", "losses"))
            if np.abs(result[0]).max() > 1e-2:
                raise CheckFailed(f"w = {result[0]} after 40 steps; the bowl's minimum is at 0", "not_converged")


def _recorded_batch(step, call, X, y, batch_size):
    """One call the fixture recorded, checked before any arithmetic on it (the child chose its
    shapes; a broadcast of its arrays could take gigabytes): tuple (X_batch, y_batch)."""
    if not isinstance(call, dict) or not all(isinstance(call.get(key), np.ndarray) for key in "Xywc"):
        raise CheckFailed(f"iteration {step}: the model's record of the call is {describe(call)}, expected the "
                          "fixture's dict of arrays X, y, w, c (do not replace model.calls)", "wrong_type")
    Xb, yb = call["X"], call["y"]
    if Xb.shape != (batch_size, X.shape[1]) or yb.shape != (batch_size,):
        raise CheckFailed(f"iteration {step}: the batch has shapes {Xb.shape} and {yb.shape}, expected "
                          f"{(batch_size, X.shape[1])} and {(batch_size,)} (batch_size={batch_size})", "wrong_shape")
    index = _row_index(yb, len(X), f"iteration {step}: y_batch")
    if yb.dtype.kind not in "iu" or not np.array_equal(yb, y[index]) or not np.array_equal(Xb, X[index]):
        raise CheckFailed(f"iteration {step}: the batch is not rows of X with their labels y (y_batch must be "
                          "y[idx], of y's integer dtype, and X_batch X[idx])", "rows_misaligned")
    if len(set(index.tolist())) != batch_size:
        raise CheckFailed(f"iteration {step}: the batch repeats rows", "sampling_with_replacement")
    return Xb, yb


def _expect_calls(calls, steps):
    """The model's record of its calls (a list) must hold one call per iteration."""
    if not isinstance(calls, list) or len(calls) != steps:
        raise CheckFailed(f"model.loss was called {len(calls) if isinstance(calls, list) else '?'} times for "
                          f"{steps} iterations: train must call it exactly once per iteration")


def _recorded_batches(calls, X, y, batch_size):
    """Every call's batch (_recorded_batch), which must not all be the same: list of (X_batch, y_batch)."""
    batches = [_recorded_batch(step, call, X, y, batch_size) for step, call in enumerate(calls)]
    if len(batches) > 1 and all(np.array_equal(yb, batches[0][1]) for _, yb in batches):
        raise CheckFailed(f"all {len(batches)} iterations used the same minibatch: draw a new one every iteration, "
                          "from one np.random.default_rng(seed) created before the loop", "repeats_minibatch")
    return batches


def _replay(t, trace, X, y, batch_size, rule, config, steps, initial):
    """Replay a recorded training run with the reference update rule, from the model's known
    initial parameters (initial, a dict), and check every step: the batches, the parameters
    model.loss saw, the reported losses and the final parameters."""
    history, params, calls = unpack(trace, 3, "train")
    if not isinstance(history, dict):
        raise CheckFailed(f"train returned {describe(history)}, expected a dict {{'loss': a list of {steps} "
                          "losses}", "wrong_type")
    if not isinstance(history.get("loss"), list):
        raise CheckFailed(f"history['loss']: got {describe(history.get('loss'))}, expected a list of {steps} "
                          "floats (one per iteration)", "wrong_type")
    if len(history["loss"]) != steps:
        raise CheckFailed(f"history['loss'] holds {len(history['loss'])} losses, expected {steps} (one per "
                          "iteration)", "wrong_shape")
    _expect_calls(calls, steps)
    if not isinstance(params, dict):
        raise CheckFailed(f"after training, model.params is {describe(params)}, expected a dict", "wrong_type")
    batches = _recorded_batches(calls, X, y, batch_size)
    configs = {"w": dict(config), "c": dict(config)}
    w, c = initial["w"].copy(), initial["c"].copy()  # the grader's, not the record's: a record can be forged
    for step, (call, (Xb, yb)) in enumerate(zip(calls, batches)):
        # Only trusted w, c and the checked batch enter the arithmetic.
        expect_array(call["w"], w, 1e-10, f"parameter w at iteration {step}")
        expect_array(call["c"], c, 1e-10, f"parameter c at iteration {step}")
        residual = Xb @ w + c[0] - yb
        expect_float(history["loss"][step], 0.5 * np.mean(residual ** 2), 1e-10, f"loss[{step}]")
        w, configs["w"] = rule(w.copy(), Xb.T @ residual / len(yb), configs["w"])
        c, configs["c"] = rule(c.copy(), np.array([residual.mean()]), configs["c"])
    expect_array(params.get("w"), w, 1e-10, "final parameter w")
    expect_array(params.get("c"), c, 1e-10, "final parameter c")


@check("train.loop")
def train_loop(t):
    # Labels are row indices, so every batch shows which rows it took.
    n = 40
    X = np.stack([np.linspace(-1, 1, n), np.cos(np.arange(n))], axis=1)
    y = np.arange(n)  # integer labels, as train's docstring says
    # 12 iterations are more than an epoch of 40 rows in batches of 8: a loop that makes its rng
    # again (each epoch, each iteration) or draws batches some other way shows.
    steps = 12
    for label, rule, config in [("sgd", "sgd", {"learning_rate": 0.01}),
                                ("sgd_momentum: each parameter keeps its own velocity", "sgd_momentum",
                                 {"learning_rate": 0.01, "momentum": 0.8})]:
        with t.case(label):
            answer = t.request({"op": "train", "model": {"target": "QuadraticModel", "args": [2]},
                                "args": [X, y], "kwargs": {"update_rule": rule, "optim_config": config,
                                                           "batch_size": 8, "num_iters": steps, "seed": 3}},
                               "optim.train")
            _replay(t, (answer["history"], answer["params"], answer["calls"]), X, y, 8,
                    getattr(t.ref.optim, rule), config, steps, fixtures.QuadraticModel(2).params)
    with t.case("every minibatch is the next draw of sample_minibatch from one np.random.default_rng(seed)"):
        # Seed 11: a train that ignores its seed (default_rng(0)) shows; seed 0: one that takes 0
        # for "no seed" (default_rng(seed or None)) shows, and would train unseeded, differently
        # at every grading, in the convergence runs (seed 0).
        for seed in (11, 0):
            answer = t.request({"op": "train", "model": {"target": "QuadraticModel", "args": [2]},
                                "args": [X, y], "kwargs": {"batch_size": 8, "num_iters": steps, "seed": seed}},
                               "optim.train")
            _expect_calls(answer["calls"], steps)
            drawn = t.request({"op": "draws", "call": {"target": "optim.sample_minibatch",
                                                       "args": [X, y, 8, {"__rng__": seed}]}, "count": steps},
                              "optim.sample_minibatch")["results"]
            if not isinstance(drawn, list) or len(drawn) != steps:
                raise CheckFailed(f"{steps} calls of sample_minibatch gave {describe(drawn)}", "wrong_type")
            for step, (_, batch) in enumerate(_recorded_batches(answer["calls"], X, y, 8)):
                expected = unpack(drawn[step], 2, "sample_minibatch")[1]
                if not isinstance(expected, np.ndarray) or not np.array_equal(batch, expected):
                    raise CheckFailed(f"with seed={seed}, the batch of iteration {step} is not draw {step} of "
                                      f"sample_minibatch(X, y, 8, rng) from one rng = np.random.default_rng({seed}): "
                                      "make the rng once, before the loop, from the seed given, and draw every "
                                      "batch from it with sample_minibatch", "rng_remade")
