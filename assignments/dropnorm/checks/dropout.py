"""Hidden tests of dropnorm/dropout.py: train-mode values (the seeded mask), test mode, the
expectation property and the backward pass."""
import numpy as np

from autograder.checks.common import GRAD_TOL, LayerGradient, check_layer_gradient, check_value_call, rng_for
from autograder.checks.diagnosis import Suspect, relabel
from autograder.checks.framework import CheckFailed, check, expect_array, unpack

FORWARD, BACKWARD = "dropout.dropout_forward", "dropout.dropout_backward"
# (label, x shape, keep probability p, seed): p away from 0.5 so that 1 - p and p differ.
TRAIN_CASES = [("x of shape (6, 5), p=0.3", (6, 5), 0.3, 0), ("x of shape (2, 3, 4), p=0.8", (2, 3, 4), 0.8, 1)]


def _x(shape, seed):
    return rng_for("dropout", seed).standard_normal(shape)


def train_suspects(x, p, seed):
    """The classic mistakes of train mode, each computed from the documented draw."""
    draw = np.random.default_rng(seed).random(x.shape)
    suspects = [Suspect("dropout_not_inverted", "{what} equals x * mask without the division by p: inverted "
                        "dropout divides the kept units by p, so that test mode needs no scaling", x * (draw < p))]
    if p < 1:
        suspects += [
            Suspect("dropout_scaled_by_1_minus_p", "{what} equals x * mask / (1 - p): p is the KEEP probability, "
                    "divide by p", x * (draw < p) / (1 - p)),
            Suspect("dropout_p_as_drop_probability", "{what} keeps units with probability 1 - p: p is the "
                    "probability of keeping a unit (mask = rng.random(x.shape) < p)", x * (draw >= p) / (1 - p)),
            Suspect("dropout_p_as_drop_probability", "{what} keeps units with probability 1 - p: p is the "
                    "probability of keeping a unit (mask = rng.random(x.shape) < p)", x * (draw < 1 - p) / (1 - p))]
    return suspects


def expect_seeded_mask(got, x, p, seed):
    """A train-mode output that is x / p on some mask, but not on the documented one, fails as
    dropout_mask_not_from_seed (its values alone would say only "unknown")."""
    if not (isinstance(got, np.ndarray) and got.shape == x.shape and got.dtype == np.float64 and p < 1):
        return
    kept = got != 0
    mask = np.random.default_rng(seed).random(x.shape) < p
    if np.allclose(got[kept], x[kept] / p, rtol=1e-12, atol=0) and not np.array_equal(kept, mask & (x != 0)):
        raise CheckFailed(f"the output is x / p on a mask of {int(kept.sum())} of {x.size} units, but not on the mask "
                          f"rng.random(x.shape) < p with rng = np.random.default_rng(seed) (seed={seed})",
                          "dropout_mask_not_from_seed")


@check("dropout_forward.train", points=3, visibility="visible", functions=["dropout_forward"],
       name="dropout_forward: train mode, the mask from the seed")
def dropout_train(t):
    # the last case: float32 x gives float64 out; p = 0.25 scales exactly in float32 too (a power
    # of 2), and 1 - p differs from p
    cases = [(label, _x(shape, seed), p, seed) for label, shape, p, seed in TRAIN_CASES]
    cases.append(("float32 x of shape (3, 4), p=0.25: out is float64", _x((3, 4), "float32").astype(np.float32),
                  0.25, 4))
    for label, x, p, seed in cases:
        with t.case(label):
            expected = t.ref.dropout.dropout_forward(x.copy(), p, "train", seed)[0]
            result, _ = t.call(FORWARD, x, p, "train", seed)
            expect_seeded_mask(unpack(result, 2, "dropout_forward")[0], x, p, seed)
            check_value_call(t, FORWARD, (x, p, "train", seed), (expected, None), count=2, repeat=seed == 0,
                             suspects=lambda _, x=x, p=p, seed=seed: train_suspects(x, p, seed))


@check("dropout_forward.identity", points=1, visibility="visible", functions=["dropout_forward"],
       name="dropout_forward: the identity in test mode, and in train mode for p = 1")
def dropout_identity(t):
    with t.case("train mode, p=1 keeps every unit"):
        # A division by 1 - p gives NaN or inf here: name that mistake rather than the symptom.
        with relabel("non_finite", "dropout_scaled_by_1_minus_p", "at p = 1 (keep every unit) a division by 1 - p "
                     "is a division by 0: p is the KEEP probability, divide by p"):
            x = _x((4, 3), "keep all")
            check_value_call(t, FORWARD, (x, 1.0, "train", 2), (x, None), count=2)
    for p in (0.3, 0.8):
        with t.case(f"p={p}"):
            x = _x((5, 4), f"test {p}")
            draw = np.random.default_rng(3).random(x.shape)
            check_value_call(t, FORWARD, (x, p, "test", 3), (x, None), count=2,
                             suspects=lambda _, x=x, p=p, draw=draw: [
                Suspect("dropout_in_test_mode", "{what} equals x * p: inverted dropout scales in train mode, so test "
                        "mode returns x unchanged", x * p),
                Suspect("dropout_in_test_mode", "{what} equals x with the train-mode mask applied: test mode drops "
                        "nothing", x * (draw < p) / p)])


@check("dropout_forward.expectation", points=2, visibility="after_due_date", functions=["dropout_forward"],
       name="dropout_forward: the expectation of every unit is preserved", seconds=0.2)
def dropout_expectation(t):
    """The mean over 40 seeds of a batch of 100 copies of one row (4000 masks per unit) must be
    within 0.1 * |x| of x. Its standard deviation is |x| sqrt((1 - p) / (4000 p)): 0.024 |x| for
    p = 0.3, 0.008 |x| for p = 0.8, so the tolerance is over 4 of them; the mask's seeds are
    fixed, so the verdict is the same at every run. This holds for any mask drawn with the right
    probability, whichever way it is drawn. The share of zeros (dropped units) must also be within
    0.05 of 1 - p, so that an identity, whose means are exact, fails."""
    for p in (0.3, 0.8):
        with t.case(f"p={p}"):
            row = np.array([2.0, -1.0, 0.5, 3.0, -2.5])
            x = np.tile(row, (100, 1))
            means, dropped = [], 0
            for seed in range(40):
                result, _ = t.call(FORWARD, x, p, "train", 1000 + seed)
                out = unpack(result, 2, "dropout_forward")[0]
                expect_array(out, x, np.inf, "out")  # only its form: an array of x's shape, finite float64
                means.append(out.mean(axis=0))
                dropped += int(np.count_nonzero(out == 0))
            # x has no zero, so the zeros are the dropped units: an identity keeps every mean too
            share = dropped / (40 * x.size)
            t.figures.setdefault("dropped_share", {})[f"p={p}"] = share
            if abs(share - (1 - p)) > 0.05:  # sd of the share over 20,000 units: under 0.004
                raise CheckFailed(f"train mode zeroed {share:.1%} of the units over 40 masks, expected about "
                                  f"1 - p = {1 - p:.0%}: keep each unit with probability p, drop the others",
                                  "unknown")
            mean = np.mean(means, axis=0)
            worst = int(np.argmax(np.abs(mean - row) / np.abs(row)))
            t.figures.setdefault("mean_over_masks", {})[f"p={p}"] = mean.tolist()
            if abs(mean[worst] - row[worst]) > 0.1 * abs(row[worst]):
                ratio = mean[worst] / row[worst]
                raise CheckFailed(f"the mean of unit {worst} over 4000 masks is {mean[worst]:.4g}, expected "
                                  f"{row[worst]:.4g} within 10% (ratio {ratio:.3f}; dividing by 1 - p gives "
                                  f"p / (1 - p) = {p / (1 - p):.3f}, not dividing gives p = {p:.3f}): inverted "
                                  "dropout keeps E[out] = x",
                                  "dropout_scaled_by_1_minus_p" if abs(ratio * (1 - p) / p - 1) < 0.1 else
                                  "dropout_not_inverted" if abs(ratio / p - 1) < 0.1 else "unknown")


def _backward_suspects(check, dout, name):
    p, seed = check.extra["p"], check.extra["seed"]
    mask = np.random.default_rng(seed).random(dout.shape) < p
    return [Suspect("dropout_not_inverted", "{what} equals dout * mask: divide by p as the forward pass does",
                    dout * mask),
            Suspect("dropout_scaled_by_1_minus_p", "{what} equals dout * mask / (1 - p): p is the KEEP probability, "
                    "divide by p", dout * mask / (1 - p)),
            Suspect("dropout_backward_ignores_mask", "{what} equals dout / p, unmasked: multiply by the forward "
                    "pass's mask (kept in the cache), as the dropped units have no gradient", dout / p)]


def _gradient(label, x, p, mode, seed):
    """The gradient check of one case: x differentiated; p, mode and seed fixed (the same mask at
    every evaluation of the centered differences)."""
    return LayerGradient(f"dropout, {label}", FORWARD, BACKWARD, (x,), extra={"p": p, "mode": mode, "seed": seed},
                         suspects=_backward_suspects if mode == "train" else None)


def _check_on_own_mask(t, check):
    """A student's dropout_forward that draws another mask than the reference's (failed in its
    own tests) must not cost the backward pass: when it differs, dx is compared with the
    derivative of the student's own forward pass, out / x entry by entry (x has no zeros), at
    the same dout; the reference's check runs otherwise."""
    (x,), extra = check.inputs, check.extra
    expected_out = t.ref.dropout.dropout_forward(x.copy(), extra["p"], extra["mode"], extra["seed"])[0]
    dout = rng_for(check.name, "dout").standard_normal(x.shape)  # as check_layer_gradient draws it
    out, dx, _ = t.forward_backward(check.forward, check.backward, (x,), dout, **extra)
    own = isinstance(out, np.ndarray) and out.shape == x.shape and out.dtype == np.float64 and \
        np.all(np.isfinite(out)) and not np.allclose(out, expected_out, rtol=1e-12, atol=0)
    if not own:
        check_layer_gradient(t, check)
        return
    scaled_mask = out / x
    expect_array(dx, dout * scaled_mask, GRAD_TOL, "dx against dout * (out / x) of your own dropout_forward (it "
                 "differs from the reference's for this seed: see dropout_forward's tests)",
                 lambda: [Suspect("dropout_backward_ignores_mask", "{what}: dx equals dout / p, unmasked: multiply by "
                                  "the forward pass's mask (kept in the cache)", dout / check.extra["p"]),
                          Suspect("dropout_not_inverted", "{what}: dx equals dout * mask: divide by p as the forward "
                                  "pass does", dout * (scaled_mask != 0))])


@check("dropout_backward.gradient", points=3, visibility="after_due_date", functions=["dropout_backward",
                                                                                      "dropout_forward"],
       name="dropout_backward: gradient check with the same mask", seconds=0.04)
def dropout_gradient(t):
    for label, shape, p, seed in TRAIN_CASES:
        with t.case(f"train mode, {label}"):
            _check_on_own_mask(t, _gradient(label, _x(shape, seed + 10), p, "train", seed))
    with t.case("test mode"):
        check_layer_gradient(t, _gradient("test mode", _x((4, 5), 20), 0.5, "test", 0))
