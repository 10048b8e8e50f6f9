"""The sandboxed child: imports the student's gradlab and runs the calls the grader asks for.

Each child is a fork of the zygote (zygote.py), which imported numpy and this module before
any submission was in sight; the fork has its resource limits in place, possibly still as root,
and calls serve(). That confines it (confine.py: namespaces, private file system, the student's
user), and only then puts the submission on its path; its first answer, sent before any student
code runs, is {"ok": True, "isolation": what confine applied}. It reads one request at a time
and answers it; it never sees reference code or expected values, and the grader trusts nothing
it says beyond plain data. After each request it restores its own state (tidy.py).

Requests (dicts, see wire.py for the framing):
- {"op": "import", "module": m}: import gradlab.m.
- {"op": "disable", "functions": ["module.qualname", ...]}: replace functions that hung before by
  ones that raise HungEarlier at once, and refuse to import modules whose import hung
  ("module.<module>"); a restarted child gets this first.
- {"op": "call", "call": CALL}: run CALL; answer result and the array arguments after the call
  (and, for a method, the instance's params after it).
- {"op": "perturb", "call": CALL, "perturbations": [[where, flat_index, delta], ...], "select": [i, ...]}:
  run CALL once per perturbation, on fresh copies with one entry shifted by delta (where is an
  argument index or "params.NAME"; flat_index and delta may also be arrays, to shift several
  entries at once), and answer the selected part of each result, stacked.
- {"op": "fwd_bwd", "call": CALL, "backward": TARGET, "dout": array}: out, cache = CALL; answer
  out and backward(dout, cache).
- {"op": "train", "model": {"target": TARGET, "args": [...], "kwargs": {...}}, "args": [...], "kwargs": {...}}:
  build the model, run gradlab.optim.train(model, *args, **kwargs); answer history, params and
  the model's recorded calls (if it keeps any).
- {"op": "autodiff", "mode": "dual" | "var", "tree": TREE, "args": [...]}: fixtures.dual_eval or
  fixtures.var_eval with gradlab.autodiff.
CALL = {"target": "module.function" or "module.Class.method", "args": [...], "kwargs": {...},
        "init": {"args": [...], "kwargs": {...}, "params": {...}} for a method}.
Arguments may hold markers: {"__rng__": seed} becomes np.random.default_rng(seed);
{"__callable__": name, "args": [...]} a fixture; {"__expr__": tree} an expression over gradlab.autodiff.
Every request may carry "seq", echoed in its answer. Answers: {"ok": True, ...} or {"ok": False,
"error": {"type", "message", "where"}}, with "restart": True when the child should be replaced
(threads or much memory left behind). On SIGUSR1
(sent by the grader on a timeout) the child answers {"ok": False, "hung_in": ["module.qualname", ...]}
(the student's frames, innermost first) and exits.
"""
import builtins
import importlib
import io
import json
import os
import pkgutil
import signal
import sys
import traceback

import numpy as np
import numpy.lib.format  # noqa: F401 - numpy loads these two lazily: load them once, in the zygote,
import numpy.random  # noqa: F401 - not in every child (about 15 ms each)

import confine
import fixtures
import tidy
import wire

MAX_ELEMENTS = 1 << 22  # per array in an answer; the grader's inputs are far smaller
MAX_ITEMS = 100_000
MAX_TEXT = 100_000


class HungEarlier(Exception):
    """Raised instead of calling a function that already ran past its time limit."""


def _standard_paths():
    """The interpreter's standard library folders on sys.path (as the zygote set it: this folder,
    numpy's site-packages, then the standard library)."""
    return [p for p in sys.path[2:] if "site-packages" not in p]


class StandardOnly:
    """An import hook that refuses any module but the standard library's, numpy's and the
    submission's, with the error an uninstalled package gives: the same at every isolation level
    as on Gradescope, whatever else the grader's environment holds."""
    allowed = (frozenset(sys.stdlib_module_names) | set(sys.builtin_module_names) | {"numpy", "gradlab"}
               | {m.name for m in pkgutil.iter_modules(_standard_paths())})  # e.g. _sysconfigdata_*

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name.partition(".")[0] not in cls.allowed:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def serve(submission, reader, writer, config):
    """Confine this process, then answer the grader's requests until it closes the pipe.

    Inputs:
    - submission: str, the folder holding the student's gradlab/ (read-only to the child).
    - reader, writer: int file descriptors of the request and answer pipes.
    - config: dict of settings for confine.enter (see isolation.child_config).

    Never returns: the process ends when the grader closes its pipe or kills it.
    """
    # numpy is imported already (its submodules load through numpy.__path__): site-packages is
    # not on the path, so the submission can import the standard library and numpy, nothing else.
    standard = _standard_paths()
    paths = [submission] + standard
    config = {**config, "visible": config["visible"] + standard}
    isolation = confine.enter(config, (reader, writer), paths)  # from here on: the student's user
    sys.path[:] = paths
    sys.meta_path.insert(0, StandardOnly)
    # Keep our own references: a submission that patches numpy or builtins changes only its own answers.
    ndarray, asarray, frame, decode, getpid, write, read = (np.ndarray, np.asarray, wire.frame, wire.decode,
                                                            os.getpid, os.write, os.read)
    me = getpid()
    current = {"seq": None}

    def close_channel():
        for fd in (reader, writer):
            try:
                os.close(fd)
            except OSError:
                pass
    os.register_at_fork(after_in_child=close_channel)  # a process the student forks cannot answer for us

    def read_exactly(n):
        chunks, left = [], n
        while left:
            chunk = read(reader, min(left, 1 << 20))
            if not chunk or getpid() != me:
                os._exit(0)  # the grader closed the pipe
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def send(answer):
        if getpid() != me:
            os._exit(0)
        answer["seq"] = current["seq"]
        try:
            data = frame(answer)
        except Exception as error:  # noqa: BLE001 - an unsendable answer is the student's output
            data = frame({"ok": False, "error": {"type": "UnsupportedOutput", "message": str(error)[:2000],
                                                 "where": ""}, "seq": current["seq"]})
        view = memoryview(data)
        while view:
            view = view[write(writer, view):]

    def resolve(target):
        module_name, _, rest = target.partition(".")
        obj = importlib.import_module("gradlab." + module_name)
        for part in filter(None, rest.split(".")):
            obj = getattr(obj, part)
        return obj

    def materialize(value):
        """Fresh copies of arrays, markers turned into objects."""
        if isinstance(value, ndarray):
            return value.copy()
        if isinstance(value, dict):
            if "__rng__" in value:
                return np.random.default_rng(value["__rng__"])
            if "__callable__" in value:
                return fixtures.CALLABLES[value["__callable__"]](*value.get("args", []))
            if "__expr__" in value:
                return fixtures.expression(value["__expr__"], resolve("autodiff"))
            return {k: materialize(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(materialize(v) for v in value)
        return value

    def plain(value, depth=0):
        """The answer as plain data of exact built-in types; anything else is named, not sent."""
        if depth > 20:
            return {"__unsupported__": "nested too deeply"}
        if isinstance(value, ndarray):
            array = asarray(value).view(ndarray)
            if array.dtype.kind not in wire.ALLOWED_KINDS:
                return {"__unsupported__": f"ndarray of dtype {array.dtype}"}
            if array.size > MAX_ELEMENTS:
                return {"__unsupported__": f"ndarray of shape {array.shape} (too large)"}
            return array.copy()
        if value is None or type(value) is bool:
            return value
        if isinstance(value, (np.bool_, np.integer, np.floating)):
            value = value.item()
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, int):
            value = int.__index__(value)  # int's own conversion: a subclass cannot run code here
            return value if -2 ** 63 <= value < 2 ** 64 else {"__unsupported__": "integer too large"}
        if isinstance(value, float):
            return float.__float__(value)
        if isinstance(value, str):
            return str.__str__(value) if len(value) <= MAX_TEXT else {"__unsupported__": "string too long"}
        if isinstance(value, (list, tuple)):
            if len(value) > MAX_ITEMS:
                return {"__unsupported__": "sequence too long"}
            items = [plain(v, depth + 1) for v in value]
            return items if isinstance(value, list) else tuple(items)
        if isinstance(value, dict):
            if len(value) > MAX_ITEMS:
                return {"__unsupported__": "dict too large"}
            out = {str.__str__(str(k)): plain(v, depth + 1) for k, v in value.items()}
            return {"__unsupported__": "dict with reserved keys"} if set(out) & wire.RESERVED else out
        if hasattr(value, "value") and type(value).__name__ in ("Dual", "Var"):
            return {"__object__": type(value).__name__, "value": plain(getattr(value, "value"), depth + 1),
                    "deriv": plain(getattr(value, "deriv", None), depth + 1),
                    "grad": plain(getattr(value, "grad", None), depth + 1)}
        return {"__unsupported__": type(value).__name__}

    def build(call):
        """(function, args, kwargs, instance) for a CALL."""
        function = resolve(call["target"])
        instance = None
        if "init" in call:
            owner_name = call["target"].rsplit(".", 1)
            owner = resolve(owner_name[0])
            init = call["init"]
            instance = owner(*materialize(init.get("args", [])), **materialize(init.get("kwargs", {})))
            for name, value in init.get("params", {}).items():
                instance.params[name] = value.copy()
            function = getattr(instance, owner_name[1])
        return function, materialize(call.get("args", [])), materialize(call.get("kwargs", {})), instance

    def student_frames(frame):
        """'module.qualname' of the frames running the student's code, innermost first (at most 16)."""
        package = os.path.join(submission, "gradlab")
        names = []
        while frame is not None and len(names) < 16:
            if frame.f_code.co_filename.startswith(package):
                module = os.path.splitext(os.path.basename(frame.f_code.co_filename))[0]
                names.append(f"{module}.{frame.f_code.co_qualname}")
            frame = frame.f_back
        return names

    def on_timeout(signum, frame):
        # The grader is about to kill us for taking too long: say where the time went, then go.
        send({"ok": False, "hung_in": student_frames(frame)})
        os._exit(3)

    signal.signal(signal.SIGUSR1, on_timeout)
    # Restored after every request: what a call changes in here cannot reach the next call.
    cleaner = tidy.Tidy([builtins, np, np.lib, np.lib.format, np.random, json, io, importlib, traceback, wire,
                         fixtures, tidy], [fixtures.CALLABLES, fixtures.MODELS], isolation["pid_namespace"])

    def disable(name):
        """Make the function 'module.qualname' raise at once wherever the package refers to it."""
        module_name, _, qualname = name.partition(".")
        owner_path, _, attribute = qualname.rpartition(".")
        owner = resolve(module_name + ("." + owner_path if owner_path else ""))
        original = getattr(owner, attribute)

        def hung(*args, **kwargs):
            raise HungEarlier(f"{qualname} did not finish earlier in this grading run, so it is not called again")

        setattr(owner, attribute, hung)
        for module in [m for n, m in sys.modules.items() if n.startswith("gradlab.")]:
            for key, value in list(vars(module).items()):
                if value is original:
                    setattr(module, key, hung)
                elif type(value) is dict:  # a table of functions, e.g. UPDATE_RULES = {"sgd": sgd, ...}
                    for entry, item in list(value.items()):
                        if item is original:
                            value[entry] = hung

    halted = set()

    class Halted:
        """An import hook that refuses the modules in halted at once, saying why."""
        @staticmethod
        def find_spec(name, path=None, target=None):
            if name in halted:
                raise ImportError(f"{name.replace('.', '/')}.py did not finish importing earlier in this grading "
                                  "run, so it is not imported again")
            return None

    sys.meta_path.insert(0, Halted)

    def select(result, path):
        for index in path:
            result = result[index]
        return result

    def handle(request):
        op = request["op"]
        if op == "import":
            importlib.import_module("gradlab." + request["module"])
            return {}
        if op == "disable":
            for name in request["functions"]:
                try:
                    if name.endswith(".<module>"):  # hung while importing: that module is not imported again
                        halted.add("gradlab." + name[:-len(".<module>")])
                    else:
                        disable(name)
                except Exception:  # noqa: BLE001 - a name that no longer resolves has nothing to disable
                    pass
            return {}
        if op == "call":
            function, args, kwargs, instance = build(request["call"])
            result = function(*args, **kwargs)
            answer = {"result": plain(result), "args_after": plain(args)}
            if instance is not None:  # a method: the instance's params too (e.g. as its constructor made them)
                answer["params"] = plain(dict(getattr(instance, "params", None) or {}))
            return answer
        if op == "perturb":
            values = []
            for where, index, delta in request["perturbations"]:
                function, args, kwargs, instance = build(request["call"])
                if isinstance(where, str):
                    target = instance.params[where.split(".", 1)[1]]
                else:
                    target = args[where]
                target.reshape(-1)[index] += delta
                values.append(plain(select(function(*args, **kwargs), request.get("select", []))))
            return {"values": values}
        if op == "fwd_bwd":
            function, args, kwargs, _ = build(request["call"])
            out, cache = function(*args, **kwargs)
            grads = resolve(request["backward"])(request["dout"].copy(), cache)
            return {"out": plain(out), "grads": plain(grads), "args_after": plain(args)}
        if op == "train":
            spec = request["model"]
            model_class = fixtures.MODELS.get(spec["target"]) or resolve(spec["target"])
            model = model_class(*materialize(spec.get("args", [])), **materialize(spec.get("kwargs", {})))
            history = resolve("optim.train")(model, *materialize(request["args"]), **materialize(request["kwargs"]))
            return {"history": plain(history), "params": plain(dict(model.params)),
                    "calls": plain(getattr(model, "calls", []))}
        if op == "autodiff":
            evaluate = fixtures.dual_eval if request["mode"] == "dual" else fixtures.var_eval
            return plain(evaluate(resolve("autodiff"), request["tree"], *request["args"]))
        raise ValueError(f"unknown op {op!r}")

    send({"ok": True, "isolation": isolation})  # before any student code: what confines it
    while True:
        size = wire.HEADER.unpack(read_exactly(wire.HEADER.size))[0]
        request = decode(read_exactly(size))
        current["seq"] = request.get("seq")
        try:
            answer = {"ok": True, **handle(request)}
        except BaseException as error:  # noqa: BLE001 - SystemExit and KeyboardInterrupt are the student's too
            frames = traceback.extract_tb(error.__traceback__)
            student = [f for f in frames if "gradlab" in f.filename]
            where = f"{os.path.basename(student[-1].filename)}, line {student[-1].lineno}" if student else ""
            message = str(error)
            if isinstance(error, SyntaxError) and isinstance(error.text, str) and error.text.strip():
                message += f": {error.text.strip()[:200]}"  # the offending line itself
            answer = {"ok": False, "error": {"type": type(error).__name__, "message": message[:2000],
                                             "where": where}}
        if getpid() != me:
            os._exit(0)  # a process the student forked returned into this loop
        if cleaner.after_request():
            answer["restart"] = True
        send(answer)

