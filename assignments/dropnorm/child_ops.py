"""dropnorm's child operations (trusted code of the assignment).

Loaded into the sandbox's zygote before any submission is in sight; it holds no expected
values and imports only numpy (through the worker's env). env gives the student's package
(env.resolve, env.materialize, env.plain).
"""


def _model(spec, env):
    """The student's model from {"target": "nets.DeepMLP", "args": [...], "kwargs": {...}, "params": {...}}."""
    model = env.resolve(spec["target"])(*env.materialize(spec.get("args", [])),
                                        **env.materialize(spec.get("kwargs", {})))
    for name, value in spec.get("params", {}).items():
        model.params[name] = value.copy()
    return model


def _state(model, env):
    return {"params": env.plain(dict(model.params)), "bn_params": env.plain(list(getattr(model, "bn_params", [])))}


def loss_state(request, env):
    """{"op": "loss_state", "model": MODEL, "args": [...], "kwargs": {...}}: result = model.loss(...);
    answer the result and the model's params and bn_params after the call."""
    model = _model(request["model"], env)
    result = model.loss(*env.materialize(request.get("args", [])), **env.materialize(request.get("kwargs", {})))
    return {"result": env.plain(result), **_state(model, env)}


def train(request, env):
    """{"op": "train", "model": MODEL, "args": [X, y], "kwargs": {...}}: optim.train(model, X, y,
    **kwargs) with the package's optim (a provided module); answer the history, params and bn_params."""
    model = _model(request["model"], env)
    history = env.resolve("optim.train")(model, *env.materialize(request["args"]), **env.materialize(request["kwargs"]))
    return {"history": env.plain(history), **_state(model, env)}


def call_keeps_state(request, env):
    """{"op": "call_keeps_state", "target": ..., "args": [...], "state": INDEX}: call target(*args)
    and answer the arrays that the dict argument args[INDEX] held before the call, as those very
    objects are after it: a function that stores new arrays leaves them as they were, one that
    updates them in place does not."""
    args = env.materialize(request["args"])
    state = args[request["state"]]
    held = {key: value for key, value in state.items() if hasattr(value, "shape")}
    env.resolve(request["target"])(*args)
    return {"held": env.plain(held)}


OPS = {"loss_state": loss_state, "train": train, "call_keeps_state": call_keeps_state}
