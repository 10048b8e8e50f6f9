"""dropnorm's own diagnosis codes and what each means (beside the harness's generic ones).

A check names a code in a Suspect (autograder.checks.diagnosis); results.json carries it in
the test's extra_data["diagnosis"].
"""
DIAGNOSES = {
    "dropout_scaled_by_1_minus_p": "the kept units are divided by 1 - p: p is the probability of keeping a unit",
    "dropout_not_inverted": "the kept units are not divided by p (plain dropout where inverted dropout is asked for)",
    "dropout_p_as_drop_probability": "units are kept with probability 1 - p: p is the probability of keeping a unit",
    "dropout_mask_not_from_seed": "the mask is not rng.random(x.shape) < p with rng = np.random.default_rng(seed)",
    "dropout_backward_ignores_mask": "dx is not masked: the gradient passes only through the units the forward "
                                     "pass kept",
    "dropout_in_test_mode": "test mode drops or scales units: in test mode dropout is the identity",
    "batchnorm_unbiased_variance": "the variance is divided by N - 1 (unbiased) where the contract says N (np.var)",
    "batchnorm_running_average_not_updated": "train mode does not update bn_param's running_mean and running_var",
    "batchnorm_momentum_swapped": "the running average weighs the batch by momentum and the old value by 1 - momentum",
    "batchnorm_running_average_updated_in_test_mode": "a test-mode pass changes the running averages (they change "
                                                      "only in train mode)",
    "batchnorm_running_average_updated_twice": "one train pass updates the running averages twice",
    "batchnorm_batch_stats_in_test_mode": "test mode normalizes with the batch's statistics, not the running ones",
    "batchnorm_dx_missing_mean_terms": "dx is dout * gamma / sqrt(var + eps) alone: the terms through the batch mean "
                                       "and variance are missing",
    "batchnorm_dx_missing_gamma": "dx lacks the factor gamma (the gradient reaching x_hat is dout * gamma)",
    "batchnorm_eps_outside_sqrt": "the input is divided by sqrt(var) + eps where the contract says sqrt(var + eps)",
    "batchnorm_dgamma_wrong": "dgamma is not the batch sum of dout * x_hat (e.g. x in place of x_hat)",
    "batchnorm_dbeta_wrong": "dbeta is not the batch sum of dout",
    "net_dropout_seed_wrong": "DeepMLP's dropout masks are not drawn with seed=(seed, i) for hidden layer i",
    "net_dropout_misplaced": "DeepMLP's dropout is not (only) after each hidden activation (before it, or on the "
                             "scores)",
    "gradients_swapped": "the gradients of two parameters are exchanged (e.g. grads['gamma1'] and grads['beta1'])",
}
