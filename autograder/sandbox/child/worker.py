"""The sandboxed child: imports the student's package and runs the calls the grader asks for.

Each child is a fork of the zygote (zygote.py), which imported numpy, this module and the
assignment's child operations (its child_ops.py, trusted code) before any submission was in
sight; the fork has its resource limits in place, possibly still as root, and calls serve().
That confines it (confine.py: namespaces, private file system, the student's user), and only
then puts the submission on its path; its first answer, sent before any student code runs, is
{"ok": True, "isolation": what confine applied}. It reads one request at a time and answers it;
it never sees reference code or expected values, and the grader trusts nothing it says beyond
plain data. After each request it restores its own state (tidy.py). The package's name and
modules arrive as plain config (config["assignment"]).

Requests (dicts, see wire.py for the framing); the generic operations, here:
- {"op": "import", "module": m}: import <package>.m.
- {"op": "disable", "functions": ["module.qualname", ...]}: replace functions that hung before by
  ones that raise HungEarlier at once, and refuse to import modules whose import hung
  ("module.<module>"); a restarted child gets this first.
- {"op": "call", "call": CALL}: run CALL; answer result and the array arguments after the call
  (and, for a method, the instance's params after it).
- {"op": "each", "requests": [request, ...]}: the requests of one test, one after another, each
  answered as soon as it is done (each answer echoes this request's seq); it stops after the first
  that raises, whose error answer is the last, or after one that left threads or much memory
  behind (its answer asks for a fresh child). The clean-up runs once, after the last; between
  two requests only the worker's own modules, tables and classes, timers, handlers and the
  recursion limit are put back (Tidy.between):
  what one request changes in numpy, sys or the rest reaches the same test's later requests
  only (the grader sends one module's).
- {"op": "perturb", "call": CALL, "perturbations": [[where, flat_index, delta], ...], "select": [i, ...],
  "dout": array (optional)}: run CALL once per perturbation, on fresh copies with one entry shifted
  by delta (where is an argument index or "params.NAME"; flat_index and delta may also be arrays,
  to shift several entries at once; {"each_entry": where, "size": n, "h": h} stands for
  [where, 0, h], [where, 0, -h], [where, 1, h], ... up to flat index n - 1), and answer "values",
  the selected part of each result, in order. With dout, a result that is a numeric array of
  dout's shape is answered as sum(result * dout) in "sums" (float array, one per perturbation),
  "summed" (bool array) marks those, and its place in "values" is None.
- {"op": "fwd_bwd", "call": CALL, "backward": TARGET, "dout": array}: out, cache = CALL; answer
  out and backward(dout, cache).
An assignment adds its own in child_ops.py: OPS (op name -> function(request, env) -> answer
dict), MARKERS (argument marker -> function(value, env) -> object) and ENCODERS (type name ->
function(value, env) -> plain dict, for the student's objects an answer may hold); env is an Env.
CALL = {"target": "module.function" or "module.Class.method", "args": [...], "kwargs": {...},
        "init": {"args": [...], "kwargs": {...}, "params": {...}} for a method}.
Arguments may hold markers: {"__rng__": seed} becomes np.random.default_rng(seed);
{"__cache_of__": CALL} the cache of a forward pass (CALL returns (out, cache)); the
assignment's MARKERS add others.
Every request may carry "seq", echoed in its answer. Answers: {"ok": True, ...} or {"ok": False,
"error": {"type", "message", "where"}}, with "restart": True when the child should be replaced
(threads or much memory left behind). On SIGUSR1
(sent by the grader on a timeout) the child answers {"ok": False, "hung_in": ["module.qualname", ...]}
(the student's frames, innermost first) and exits.
"""
import builtins
import functools
import gc
import importlib
import io
import json
import json.decoder
import json.encoder
import json.scanner
import os
import pkgutil
import signal
import sys
import traceback
import warnings

import numpy as np
import numpy.lib.format  # noqa: F401 - numpy loads these two lazily: load them once, in the zygote,
import numpy.random  # noqa: F401 - not in every child (about 15 ms each)

import confine
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
    submission's package (allow() adds it), with the error an uninstalled package gives: the same
    at every isolation level as on Gradescope, whatever else the grader's environment holds."""
    allowed = (frozenset(sys.stdlib_module_names) | set(sys.builtin_module_names) | {"numpy"}
               | {m.name for m in pkgutil.iter_modules(_standard_paths())})  # e.g. _sysconfigdata_*

    @classmethod
    def allow(cls, package):
        cls.allowed = cls.allowed | {package}

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name.partition(".")[0] not in cls.allowed:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


class NoChildOps:
    """The child operations of an assignment that adds none."""
    OPS, MARKERS, ENCODERS = {}, {}, {}


CHILD_OPS = NoChildOps  # the zygote sets the assignment's child_ops module (load_child_ops)


def load_child_ops(path):
    """Import the assignment's child_ops.py (trusted: the assignment's code, never the student's)
    as the module child_ops, and use it; in the zygote, before any submission is in sight."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("child_ops", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["child_ops"] = module
    spec.loader.exec_module(module)
    global CHILD_OPS
    CHILD_OPS = module
    return module


class Env:
    """What an operation works with, made before any student code runs: the package's name, the
    worker's own references to what the submission could patch (ndarray, asarray), and the
    units bound to them: module, resolve, build, cache_of, student_frames; materialize(value)
    (fresh copies, markers made into objects) and plain(value, depth=0) (the answer as plain
    data); serve() adds send(answer), ops (the operations by name) and between() (Tidy.between)."""

    def __init__(self, package, submission):
        self.package, self.submission = package, submission
        self.ndarray, self.asarray, self.default_rng = np.ndarray, np.asarray, np.random.default_rng
        self.import_module, self.getattr = importlib.import_module, getattr
        self.markers = {"__rng__": lambda value, env: env.default_rng(value["__rng__"]),
                        "__cache_of__": lambda value, env: env.cache_of(value["__cache_of__"]),
                        **getattr(CHILD_OPS, "MARKERS", {})}
        self.encoders = dict(getattr(CHILD_OPS, "ENCODERS", {}))
        # Closures over these references, not methods: plain runs once per item of every answer.
        self.materialize, self.plain = _materializer(self), _plainer(self)

    def module(self, name):
        """The student's <package>.name, imported."""
        return self.import_module(f"{self.package}.{name}")

    def resolve(self, target):
        """The object "module.attr.attr..." of the student's package."""
        module_name, _, rest = target.partition(".")
        obj = self.module(module_name)
        for part in filter(None, rest.split(".")):
            obj = self.getattr(obj, part)
        return obj

    def build(self, call):
        """(function, args, kwargs, instance) for a CALL."""
        function = self.resolve(call["target"])
        instance = None
        if "init" in call:
            owner_name = call["target"].rsplit(".", 1)
            owner = self.resolve(owner_name[0])
            init = call["init"]
            instance = owner(*self.materialize(init.get("args", [])), **self.materialize(init.get("kwargs", {})))
            for name, value in init.get("params", {}).items():
                instance.params[name] = value.copy()
            function = self.getattr(instance, owner_name[1])
        return function, self.materialize(call.get("args", [])), self.materialize(call.get("kwargs", {})), instance

    def cache_of(self, call):
        """The cache of a forward pass: CALL's result is (out, cache)."""
        function, args, kwargs, _ = self.build(call)
        return function(*args, **kwargs)[1]

    def student_frames(self, frame):
        """'module.qualname' of the frames running the student's code, innermost first (at most 16)."""
        package = os.path.join(self.submission, self.package)
        names = []
        while frame is not None and len(names) < 16:
            if frame.f_code.co_filename.startswith(package):
                module = os.path.splitext(os.path.basename(frame.f_code.co_filename))[0]
                names.append(f"{module}.{frame.f_code.co_qualname}")
            frame = frame.f_back
        return names


def _materializer(env):
    """materialize(value): fresh copies of arrays, markers turned into objects (env.markers)."""
    ndarray, markers = env.ndarray, env.markers

    def materialize(value):
        kind = type(value)
        if kind is float or kind is int or kind is str or kind is bool or value is None:
            return value
        if isinstance(value, ndarray):
            return value.copy()
        if isinstance(value, dict):
            for marker, make in markers.items():
                if marker in value:
                    return make(value, env)
            return {k: materialize(v) for k, v in value.items()}
        if kind is list:
            return [materialize(v) for v in value]
        if isinstance(value, (list, tuple)):
            return type(value)([materialize(v) for v in value])
        return value
    return materialize


def _plainer(env):
    """plain(value, depth=0): the answer as plain data of exact built-in types; anything else is
    named, not sent (objects of the types in env.encoders are encoded by them)."""
    ndarray, asarray, encoders = env.ndarray, env.asarray, env.encoders
    numpy_scalars = (np.bool_, np.integer, np.floating)

    def plain(value, depth=0):
        if depth > 20:
            return {"__unsupported__": "nested too deeply"}
        kind = type(value)
        if kind is float or kind is bool or value is None:  # exact types, as they are: most of every answer
            return value
        if isinstance(value, ndarray):
            array = asarray(value).view(ndarray)
            if array.dtype.kind not in wire.ALLOWED_KINDS:
                return {"__unsupported__": f"ndarray of dtype {array.dtype}"}
            if array.size > MAX_ELEMENTS:
                return {"__unsupported__": f"ndarray of shape {array.shape} (too large)"}
            return array.copy()
        if isinstance(value, numpy_scalars):
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
        encoder = encoders.get(type(value).__name__)
        if encoder is not None:
            return encoder(value, env, depth + 1)
        return {"__unsupported__": type(value).__name__}
    return plain


# -- the generic operations: function(request, env) -> answer dict ------------------------------
def op_import(request, env):
    env.module(request["module"])
    return {}


def disable(env, name):
    """Make the function 'module.qualname' raise at once wherever the package refers to it."""
    module_name, _, qualname = name.partition(".")
    owner_path, _, attribute = qualname.rpartition(".")
    owner = env.resolve(module_name + ("." + owner_path if owner_path else ""))
    original = getattr(owner, attribute)

    def hung(*args, **kwargs):
        raise HungEarlier(f"{qualname} did not finish earlier in this grading run, so it is not called again")

    setattr(owner, attribute, hung)
    for module in [m for n, m in sys.modules.items() if n.startswith(env.package + ".")]:
        for key, value in list(vars(module).items()):
            if value is original:
                setattr(module, key, hung)
            elif type(value) is dict:  # a table of functions, e.g. UPDATE_RULES = {"sgd": sgd, ...}
                for entry, item in list(value.items()):
                    if item is original:
                        value[entry] = hung


class Halted:
    """An import hook that refuses the modules in halted at once, saying why."""
    halted = set()

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name in cls.halted:
            raise ImportError(f"{name.replace('.', '/')}.py did not finish importing earlier in this grading "
                              "run, so it is not imported again")
        return None


def op_disable(request, env):
    for name in request["functions"]:
        try:
            if name.endswith(".<module>"):  # hung while importing: that module is not imported again
                Halted.halted.add(f"{env.package}." + name[:-len(".<module>")])
            else:
                disable(env, name)
        except Exception:  # noqa: BLE001 - a name that no longer resolves has nothing to disable
            pass
    return {}


def op_call(request, env):
    function, args, kwargs, instance = env.build(request["call"])
    result = function(*args, **kwargs)
    answer = {"result": env.plain(result), "args_after": env.plain(args)}
    if instance is not None:  # a method: the instance's params too (e.g. as its constructor made them)
        answer["params"] = env.plain(dict(getattr(instance, "params", None) or {}))
    return answer


def op_each(request, env):
    *first, last = request["requests"]
    for sub in first:
        answer = _op(env, sub)(sub, env)
        # Before sending: the answer is framed with the worker's own json and builtins. Threads or
        # memory left behind: this is the last answer (serve tidies, and it asks for a fresh child).
        if env.between():
            return {**answer, "restart": True}
        env.send({"ok": True, **answer})
    return _op(env, last)(last, env)


def _op(env, request):
    """The operation of one of an "each" request's requests (not "each" itself)."""
    operation = env.ops.get(request["op"]) if request["op"] != "each" else None
    if operation is None:
        raise ValueError(f"unknown op {request['op']!r} in an each request")
    return operation


def _select(result, path):
    for index in path:
        result = result[index]
    return result


def _perturbations(items):
    """(where, flat_index, delta) of each perturbation of a perturb request, its shorthands expanded."""
    for item in items:
        if type(item) is dict:
            where, h = item["each_entry"], item["h"]
            for index in range(item["size"]):
                yield where, index, h
                yield where, index, -h
        else:
            yield item


def op_perturb(request, env):
    select, dout, ndarray = request.get("select", []), request.get("dout"), env.ndarray
    values, sums = [], []
    for where, index, delta in _perturbations(request["perturbations"]):
        function, args, kwargs, instance = env.build(request["call"])
        if isinstance(where, str):
            target = instance.params[where.split(".", 1)[1]]
        else:
            target = args[where]
        target.reshape(-1)[index] += delta
        value = env.plain(_select(function(*args, **kwargs), select))
        if dout is not None and type(value) is ndarray and value.dtype.kind in "fiu" and value.shape == dout.shape:
            # Summed here, not sent: a gradient check's outputs were most of the arrays of a grading.
            sums.append(float(ndarray.sum(ndarray.astype(value, float) * dout)))
            values.append(None)
        else:
            sums.append(None)
            values.append(value)
    if dout is None:
        return {"values": values}
    summed = np.array([s is not None for s in sums])
    return {"values": values, "summed": summed, "sums": np.array([0.0 if s is None else s for s in sums])}


def op_fwd_bwd(request, env):
    function, args, kwargs, _ = env.build(request["call"])
    out, cache = function(*args, **kwargs)
    grads = env.resolve(request["backward"])(request["dout"].copy(), cache)
    return {"out": env.plain(out), "grads": env.plain(grads), "args_after": env.plain(args)}


GENERIC_OPS = {"import": op_import, "disable": op_disable, "call": op_call, "each": op_each,
               "perturb": op_perturb, "fwd_bwd": op_fwd_bwd}


def make_cleaner(env, ops, pid_namespace):
    """The clean-up after each request (tidy.Tidy), made before any student code runs: the usual
    tricks of one call (patching numpy, builtins, json, the worker's own modules, classes and
    objects, numpy's error state, warnings filters, sys.path and sys.meta_path) do not reach the
    next; tidy.py's docstring says what it leaves."""
    own = [CHILD_OPS] if CHILD_OPS is not NoChildOps else []  # the assignment's child_ops, and its tables
    tables = [value for module in own for value in vars(module).values() if type(value) is dict]
    me = sys.modules[__name__]
    return tidy.Tidy(
        [builtins, sys, np, np.lib, np.lib.format, np.random, json, json.encoder, json.decoder,
         json.scanner, io, importlib, traceback, warnings, wire, tidy, me, *own],
        # the worker's own objects, which a submission finds one frame up (env, ops) or through wire
        # (its encoder)
        tables + [ops, vars(env), env.markers, env.encoders, vars(wire.JSON)],
        pid_namespace,
        classes=[tidy.Tidy, Env, StandardOnly, Halted, HungEarlier, wire.WireError, json.JSONEncoder,
                 json.JSONDecoder],
        lists=[(sys.path, None), (sys.meta_path, None),
               (warnings.filters, getattr(warnings, "_filters_mutated", None))],  # which clears its caches
        resets=[functools.partial(np.seterr, **np.geterr()), functools.partial(np.seterrcall, np.geterrcall()),
                functools.partial(gc.set_threshold, *gc.get_threshold()), gc.enable if gc.isenabled() else gc.disable],
        between=[builtins, np.lib.format, json, json.encoder, json.decoder, json.scanner, traceback, wire, tidy, me,
                 *own],
    )


def error_answer(error, package):
    """The answer for an exception raised while handling a request: its type, message and the
    student's line it came from."""
    frames = traceback.extract_tb(error.__traceback__)
    student = [f for f in frames if f"{os.sep}{package}{os.sep}" in f.filename]
    where = f"{os.path.basename(student[-1].filename)}, line {student[-1].lineno}" if student else ""
    message = str(error)
    if isinstance(error, SyntaxError) and isinstance(error.text, str) and error.text.strip():
        message += f": {error.text.strip()[:200]}"  # the offending line itself
    return {"ok": False, "error": {"type": type(error).__name__, "message": message[:2000], "where": where}}


def serve(submission, reader, writer, config):
    """Confine this process, then answer the grader's requests until it closes the pipe.

    Inputs:
    - submission: str, the folder holding the student's package (read-only to the child).
    - reader, writer: int file descriptors of the request and answer pipes.
    - config: dict of settings for confine.enter (see isolation.child_config), with
      "assignment": {"package": name, "graded": [...], "provided": [...]}.

    Never returns: the process ends when the grader closes its pipe or kills it.
    """
    # numpy is imported already (its submodules load through numpy.__path__): site-packages is
    # not on the path, so the submission can import the standard library and numpy, nothing else.
    standard = _standard_paths()
    paths = [submission] + standard
    config = {**config, "visible": config["visible"] + standard}
    package = config["assignment"]["package"]
    isolation = confine.enter(config, (reader, writer), paths)  # from here on: the student's user
    sys.path[:] = paths
    StandardOnly.allow(package)
    sys.meta_path.insert(0, StandardOnly)
    # Keep our own references: a submission that patches numpy or builtins changes only its own answers.
    frame, decode, getpid, write, read = wire.frame, wire.decode, os.getpid, os.write, os.read
    env = Env(package, submission)
    ops = {**GENERIC_OPS, **getattr(CHILD_OPS, "OPS", {})}
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

    def on_timeout(signum, frame):
        # The grader is about to kill us for taking too long: say where the time went, then go.
        send({"ok": False, "hung_in": env.student_frames(frame)})
        os._exit(3)

    env.send, env.ops = send, ops  # for op_each: answers before the last one, and its requests' operations
    signal.signal(signal.SIGUSR1, on_timeout)
    sys.meta_path.insert(0, Halted)
    # Bound before the snapshot, so that the clean-up restores it too; the cleaner is made just below.
    env.between = lambda: cleaner.between()
    cleaner = make_cleaner(env, ops, isolation["pid_namespace"])
    after_request = cleaner.after_request  # bound now: patching tidy.Tidy does not reach it

    send({"ok": True, "isolation": isolation})  # before any student code: what confines it
    while True:
        size = wire.HEADER.unpack(read_exactly(wire.HEADER.size))[0]
        request = decode(read_exactly(size))
        current["seq"] = request.get("seq")
        try:
            operation = ops.get(request["op"])
            if operation is None:
                raise ValueError(f"unknown op {request['op']!r}")
            answer = {"ok": True, **operation(request, env)}
        except BaseException as error:  # noqa: BLE001 - SystemExit and KeyboardInterrupt are the student's too
            answer = error_answer(error, package)
        if getpid() != me:
            os._exit(0)  # a process the student forked returned into this loop
        if after_request():
            answer["restart"] = True
        send(answer)
