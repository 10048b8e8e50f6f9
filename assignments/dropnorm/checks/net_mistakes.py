"""DeepMLP's known mistakes (dropout seeded or placed wrongly, a layer in the wrong mode),
recomputed on the trusted side with the reference's layers: the suspects of DeepMLP's checks.

net_pass follows DeepMLP's documented forward pass, {affine - [batchnorm] - activation -
[dropout]} x (L - 1) - affine - softmax, with one documented detail changed per mistake.
"""
import copy

from autograder.checks.diagnosis import Suspect

SEED_HINT = ("{what} is what dropout masks drawn with seed={seeding} give: hidden layer i (i = 1 .. L - 1) draws its "
             "mask with dropout_forward(..., seed=(seed, i)), seed being loss's argument")
# name -> (how the student seeds layer i, as shown in the hint; the seed it gives)
SEEDINGS = {"seed": lambda seed, i: seed, "(seed, i - 1)": lambda seed, i: (seed, i - 1),
            "(i, seed)": lambda seed, i: (i, seed), "(0, i), loss's seed ignored": lambda seed, i: (0, i)}


def net_pass(ref, model, X, y=None, seed=0, seeding=lambda seed, i: (seed, i), dropout_mode=None, bn_mode=None,
             dropout_before_activation=False, dropout_on_scores=False):
    """The scores (y None) or the loss of a reference DeepMLP (copied: model is not changed), with
    the mistakes given: seeding(seed, i) the dropout seed of layer i; dropout_mode / bn_mode the
    mode those layers run in (None: the pass's); dropout before the activation; or dropout on the
    scores as well."""
    layers, params, p = ref.layers, model.params, model.dropout
    bn_params = copy.deepcopy(model.bn_params)
    mode = "test" if y is None else "train"
    activation = layers.ACTIVATIONS[model.activation][0]
    out = X.copy()
    for i in range(1, model.num_layers):
        out = layers.affine_forward(out, params[f"W{i}"], params[f"b{i}"])[0]
        if model.normalization == "batchnorm":
            bn_param = bn_params[i - 1]
            bn_param["mode"] = bn_mode or mode
            out = ref.batchnorm.batchnorm_forward(out, params[f"gamma{i}"], params[f"beta{i}"], bn_param)[0]
        if p is not None and dropout_before_activation:
            out = ref.dropout.dropout_forward(out, p, dropout_mode or mode, seeding(seed, i))[0]
        out = activation(out)[0]
        if p is not None and not dropout_before_activation:
            out = ref.dropout.dropout_forward(out, p, dropout_mode or mode, seeding(seed, i))[0]
    L = model.num_layers
    scores = layers.affine_forward(out, params[f"W{L}"], params[f"b{L}"])[0]
    if p is not None and dropout_on_scores:
        scores = ref.dropout.dropout_forward(scores, p, dropout_mode or mode, seeding(seed, L))[0]
    return scores if y is None else float(layers.softmax_loss(scores, y)[0])


def suspects(ref, model, X, y=None, seed=0):
    """The suspects of DeepMLP's scores (y None) or loss: list of diagnosis.Suspect."""
    def run(**mistake):
        return net_pass(ref, model, X, y, seed, **mistake)
    found = []
    if model.dropout is not None and y is not None:
        found += [Suspect("net_dropout_seed_wrong", SEED_HINT.replace("{seeding}", name), run(seeding=seeding))
                  for name, seeding in SEEDINGS.items()]
        found += [Suspect("net_dropout_misplaced", "{what} is what dropout before the activation gives: the dropout "
                          "layer comes after each hidden activation", run(dropout_before_activation=True)),
                  Suspect("net_dropout_misplaced", "{what} is what dropout on the scores as well gives: dropout "
                          "follows the hidden activations only, not the last affine layer",
                          run(dropout_on_scores=True))]
    if model.dropout is not None and y is None:
        found.append(Suspect("dropout_in_test_mode", "{what} is what dropout in train mode gives: loss(X) runs in "
                             "test mode, where dropout is the identity (pass mode='test' to dropout_forward)",
                             run(dropout_mode="train")))
    if model.normalization == "batchnorm" and y is None:
        found.append(Suspect("batchnorm_batch_stats_in_test_mode", "{what} is what batchnorm in train mode gives: "
                             "loss(X) runs in test mode, so set each bn_param['mode'] = 'test' before "
                             "batchnorm_forward (the running averages, not the batch's statistics)",
                             run(bn_mode="train")))
    return found
