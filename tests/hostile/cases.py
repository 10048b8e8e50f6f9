"""The hostile, broken and odd submissions, as a table.

Each case attacks as few functions as it can (`attacks`): every test whose graded function (the
first tag) is attacked must score 0 with one of `diagnoses` and say `says`; tests that merely
exercise an attacked function, or one in `collateral` (e.g. nets, which imports a broken module),
may lose points; every other test must score exactly what the honest submission scores.
`needs` names the defence the case relies on (see test_hostile.capabilities); a machine without
it skips the case, as the threat model (docs/threat-model.md) says. `max_timeouts` bounds how many children
were stopped for taking too long: what makes the grading time bounded.
"""
from dataclasses import dataclass
from functools import lru_cache

from autograder import reference, rubric

from . import build

MODULES = ("losses", "regularizers", "layers", "gradcheck", "optim", "nets", "autodiff")


@lru_cache(maxsize=None)
def functions_of(*modules):
    """The rubric's student functions defined in the given gradlab modules, e.g. 'MLP.loss' in nets."""
    ref = reference.load()
    tags = {name for test in rubric.load() for name in test.functions}
    return tuple(sorted(t for t in tags if any(hasattr(getattr(ref, m), t.split(".")[0]) for m in modules)))


@dataclass(frozen=True)
class Hostile:
    name: str
    attacks: tuple = ()
    edits: tuple = ()  # (module, function or None for code run at import, code)
    upload: object = None  # build function (folder, values) -> upload path, instead of edits
    diagnoses: tuple = ()  # accepted diagnoses of the attacked tests; () accepts any
    says: str = ""  # in every attacked test's output
    notes: str = ""  # in the summary (results["output"])
    collateral: tuple = ()
    needs: tuple = ()
    max_timeouts: int = 0
    in_batch: bool = False  # also graded inside `python -m autograder batch`
    options: tuple = ()  # command-line options of the grading, e.g. ("--time-budget", "20")
    max_seconds: float = None  # the time bound this case proves: results.json's execution_time at most
    somewhere: str = ""  # in the output of at least one test
    # Graded while no other case is: it fills the student user's process count, which every child
    # running at once shares (the threat model says so), so a neighbour's fork would fail; or its
    # call's honest work takes a fair share of its time limit, which neighbours spinning on the
    # same processor would eat.
    crowds: bool = False

    def make(self, folder, values):
        """The upload, built in folder (a Path) with the placeholders' values."""
        if self.upload is not None:
            return self.upload(folder, values)
        return build.edited_reference(folder, self.edits, values)


# Each daemon or bomb names its processes (PR_SET_NAME) so that the suite can look for survivors.
NAME_PROCESS = 'ctypes.CDLL(None).prctl(15, b"@COMM@", 0, 0, 0)'

# Finds the request being answered in the worker's frames: request, the operation's own (one of
# an "each" request's requests), and seq, the number the grader gave the request it sent.
FIND_REQUEST = """
import sys
frame, requests = sys._getframe(), []
while frame is not None:
    if "request" in frame.f_locals:
        requests.append(frame.f_locals["request"])
    frame = frame.f_back
request, seq = requests[0], next(r["seq"] for r in requests if "seq" in r)
"""

# Writes a forged answer for the current request straight onto the answer pipe (fd 4), past the
# worker's own cuts, then lets the worker answer too (that answer then arrives out of turn).
FORGE_ANSWER = FIND_REQUEST.replace("{", "{{").replace("}", "}}") + """
import os, wire
data = wire.frame({{**{answer}, "seq": seq}})
while data:
    data = data[os.write(4, data):]
return None
"""

# Appended to a module: each of its functions sleeps just under the 2 s limit of a call, then answers right.
SLOW_FUNCTIONS = """
import functools as _functools, time as _time, types as _types
def _slow(function):
    @_functools.wraps(function)
    def slow(*args, **kwargs):
        _time.sleep(1.8)
        return function(*args, **kwargs)
    return slow
for _key, _value in list(globals().items()):
    if isinstance(_value, _types.FunctionType) and _value.__module__ == __name__ and not _key.startswith("_"):
        globals()[_key] = _slow(_value)
"""

# Hangs; asked where (SIGUSR1), answers hung_in (a Python expression) in its own frame.
FORGE_WHEN_ASKED = FIND_REQUEST.replace("{", "{{").replace("}", "}}") + """
import os, signal, uuid, wire
def lie(signum, frame):
    data = wire.frame({{"ok": False, "hung_in": {hung_in}, "seq": seq}})
    while data:
        data = data[os.write(4, data):]
    os._exit(3)
signal.signal(signal.SIGUSR1, lie)
while True:
    pass
"""
# ... with a made-up function's name, a new one each time.
LIE_WHEN_ASKED = FORGE_WHEN_ASKED.format(hung_in='[f"layers.made_up_{uuid.uuid4().hex}"]')

CASES = (
    Hostile("honest", in_batch=True),
    # -- time ------------------------------------------------------------------------------
    Hostile("infinite_loop", ("maxout_backward",), [("layers", "maxout_backward", "while True:\n    pass")],
            diagnoses=("timeout",), says="did not finish within", max_timeouts=1, in_batch=True),
    Hostile("loop_at_import", functions_of("gradcheck"), [("gradcheck", None, "while True:\n    pass")],
            diagnoses=("import_error",), says="did not finish within", max_timeouts=1),
    Hostile("sleep_ignoring_signals", ("gradient_descent",), [("optim", "gradient_descent", """
        import signal, time
        for name in ("SIGTERM", "SIGINT", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGALRM"):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
        time.sleep(3600)
        """)], diagnoses=("timeout",), says="did not finish within", max_timeouts=2),
    # -- resources ---------------------------------------------------------------------------
    Hostile("memory_bomb", ("mse_loss",), [("losses", "mse_loss", """
        hog = []
        while True:
            hog.append(np.ones(1 << 26))  # 512 MB each, every page touched
        """)], diagnoses=("memory_limit", "timeout"), max_timeouts=1, in_batch=True),  # whichever limit comes first
    Hostile("memory_kept", ("logistic_loss",), [("losses", "logistic_loss", """
        globals().setdefault("HOG", []).append(bytearray(300 << 20))  # kept after the call
        return None
        """)], diagnoses=("wrong_type",), crowds=True),  # zeroing 300 MB: 0.25 s of a call's 2 s here
    Hostile("fork_bomb", ("sgd_momentum",), [("optim", "sgd_momentum", f"""
        import ctypes, os
        while True:
            try:
                if os.fork() == 0:
                    {NAME_PROCESS}
            except OSError:
                pass
        """)], diagnoses=("timeout",), needs=("processes_limited",), in_batch=True, crowds=True,
            # Two in the visible test when the starved child cannot say where it is stuck (one
            # op's untraced timeouts), one in the after-due-date child, which forgets the hangs.
            max_timeouts=3),
    Hostile("thread_bomb", ("l1",), [("regularizers", "l1", """
        import threading
        def spin():
            while True:
                pass
        while True:
            threading.Thread(target=spin, daemon=True).start()
        """)], diagnoses=("exception", "timeout"), crowds=True,
            max_timeouts=2),  # a starved probe: the bound's second try
    Hostile("write_10_gb", ("elastic_net",), [("regularizers", "elastic_net", """
        block = b"\\0" * (1 << 20)
        with open("ten-gigabytes.bin", "wb") as handle:
            for _ in range(10 << 10):
                handle.write(block)
        """)], diagnoses=("exception",), says="File too large"),
    Hostile("print_100_mb", ("numerical_gradient_array",), [("gradcheck", "numerical_gradient_array", """
        print("x" * (100 << 20))
        """)], diagnoses=("output_flood",), says="printed more than", in_batch=True),
    # -- leaving ---------------------------------------------------------------------------------
    Hostile("sys_exit", ("numerical_gradient",), [("gradcheck", "numerical_gradient", """
        import sys
        sys.exit(0)
        """)], diagnoses=("exception",), says="SystemExit"),
    Hostile("os_exit", ("grad_check_sparse",), [("gradcheck", "grad_check_sparse", """
        import os
        os._exit(0)
        """)], diagnoses=("crashed",), says="exited", in_batch=True),
    Hostile("kill_parent", ("derivative",), [("autodiff", "derivative", """
        import os, signal
        pid = os.getppid()
        for _ in range(10):  # its parent, the parent's parent, ... as far as /proc shows them
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                with open(f"/proc/{pid}/status") as handle:
                    pid = int(next(line for line in handle if line.startswith("PPid:")).split()[1])
            except (OSError, StopIteration, ValueError):
                break
            if pid <= 1:
                break
        return None
        """)], diagnoses=("crashed", "wrong_type"), needs=("signals_contained",), in_batch=True),
    Hostile("base_exception", ("leaky_relu_backward",), [("layers", "leaky_relu_backward", """
        raise BaseException("not an Exception")
        """)], diagnoses=("exception",), says="BaseException"),
    Hostile("keyboard_interrupt", ("sigmoid_backward",), [("layers", "sigmoid_backward", """
        raise KeyboardInterrupt
        """)], diagnoses=("exception",), says="KeyboardInterrupt"),
    Hostile("segfault", ("logistic_map",), [("autodiff", "logistic_map", """
        import ctypes
        ctypes.string_at(0)
        """)], diagnoses=("crashed",), says="segmentation fault"),
    # -- the grader's files and results ---------------------------------------------------------
    Hostile("forge_results", ("tanh_backward",), [("layers", "tanh_backward", f"""
        import ctypes, json, os, time
        forged = json.dumps({{"score": 100.0, "tests": [], "output": "forged @MARKER@"}})
        places = {{os.getcwd(), os.path.expanduser("~"), "@OUT@", "/autograder/results", "@ROOT@",
                  os.path.dirname(os.getcwd())}}
        for top in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "@ROOT@", "/autograder", "@OUT@"):
            for folder, subfolders, _ in os.walk(top):
                places.add(folder)
                subfolders[:] = [] if folder.count(os.sep) > 4 else subfolders
        def forge():
            for place in places:
                for name in ("results.json", "forged-@MARKER@"):
                    try:
                        with open(os.path.join(place, name), "w") as handle:
                            handle.write(forged)
                    except OSError:
                        pass
        forge()
        if os.fork() == 0:  # a daemon in a session of its own, rewriting the forgeries for a minute
            os.setsid()
            if os.fork() == 0:
                {NAME_PROCESS}
                for _ in range(3000):
                    forge()
                    time.sleep(0.02)
            os._exit(0)
        return None
        """)], diagnoses=("wrong_type",), needs=("private_tmp", "signals_contained"), in_batch=True),
    Hostile("read_secrets", ("gradient",), [("autodiff", "gradient", """
        import glob, os
        found = []
        def grab(path, size=20000):
            try:
                with open(path, "rb") as handle:
                    found.append(f"== {path}\\n" + handle.read(size).decode("latin-1"))
            except OSError as error:
                found.append(f"== {path}: {error}")
        for pattern in ("@ROOT@/solutions/gradlab/*.py", "@ROOT@/assignments/*/*.toml",
                        "@ROOT@/assignments/*/checks/*.py",
                        "/autograder/source/**/*.py", "/autograder/source/**/*.toml"):
            for path in glob.glob(pattern, recursive=True):
                grab(path)
        for pid in [os.getppid()] + [int(p) for p in os.listdir("/proc") if p.isdigit()]:
            for what in ("environ", "cmdline"):
                grab(f"/proc/{pid}/{what}")
            try:  # the process's memory, the grader's if it can be seen
                with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb") as memory:
                    for line in maps:
                        start, end = (int(x, 16) for x in line.split()[0].split("-"))
                        if line.split()[1].startswith("rw") and end - start < (16 << 20):
                            memory.seek(start)
                            found.append(memory.read(end - start).decode("latin-1"))
            except (OSError, ValueError, OverflowError):
                pass
        text = "\\n".join(found)
        print(text[:1000000])
        raise RuntimeError(text[:1900])
        """)], diagnoses=("exception",), needs=("grader_files_hidden", "signals_contained"), in_batch=True),
    Hostile("network", ("svm_loss",), [("losses", "svm_loss", """
        import socket
        outcome = []
        for address in (("127.0.0.1", @PORT@), ("1.1.1.1", 53), ("8.8.8.8", 443)):
            try:
                connection = socket.create_connection(address, timeout=1)
                connection.sendall(b"@MARKER@")
                outcome.append(f"{address}: connected")
            except OSError as error:
                outcome.append(f"{address}: {error}")
        raise RuntimeError("; ".join(outcome))
        """)], diagnoses=("exception",), says="unreachable", needs=("network_off",)),
    Hostile("steal_a_solution", ("l2",), [("regularizers", "l2", """
        import importlib.util, os, time
        deadline, mine = time.monotonic() + 1.5, os.path.dirname(os.path.abspath(__file__))
        for top in ("/home", "/tmp", "/srv", "/opt", "/var", "/root", "/work", "/autograder", "/"):
            for folder, subfolders, files in os.walk(top):
                if time.monotonic() > deadline:
                    break
                subfolders[:] = [d for d in subfolders if d not in ("proc", "sys", "site-packages")]
                if "regularizers.py" in files and folder != mine:  # a finished copy: run it
                    spec = importlib.util.spec_from_file_location("stolen", os.path.join(folder, "regularizers.py"))
                    stolen = importlib.util.module_from_spec(spec)
                    try:
                        spec.loader.exec_module(stolen)
                        return stolen.l2(W, reg)
                    except Exception:
                        continue
        raise NotImplementedError("l2 is not implemented yet")
        """)], diagnoses=("not_implemented",), needs=("files_allowlisted",), collateral=functions_of("nets"),
            in_batch=True),
    # -- answers and messages that try to swamp the grader ---------------------------------------
    Hostile("forged_huge_message", ("l1",), [("regularizers", "l1", FORGE_ANSWER.format(
        answer='{"ok": False, "error": {"type": "E" * (1 << 20), "message": "m" * (1 << 20), '
               '"where": "w" * (1 << 20)}}'))],
            collateral=functions_of(*MODULES), in_batch=True),
    Hostile("unwritable_text", ("mse_loss",), [("losses", "mse_loss", """
        raise ValueError("\\ud800 a lone surrogate, and astral characters: " + "\\U00020000" * 3000)
        """)], diagnoses=("exception",), says="a lone surrogate", in_batch=True),
    Hostile("unhashable_hang_name", ("elu_forward",), [("layers", "elu_forward", FORGE_WHEN_ASKED.format(
        hung_in='[["x"], {"a": 1}]'))], diagnoses=("timeout",), says="did not finish within",
            collateral=functions_of("layers", "nets"), max_timeouts=8),
    Hostile("real_time_signal", ("l1",), [("regularizers", "l1", """
        import os
        os.kill(os.getpid(), 40)
        """)], diagnoses=("crashed",), says="signal 40"),
    Hostile("zip_directory_bomb", functions_of(*MODULES), upload=build.zip_directory_bomb,
            diagnoses=("import_error",), says="could not be read", notes="entries, more than the"),
    Hostile("bloated_params", (), [("optim", None, """
        _honest_train = train
        def train(model, *args, **kwargs):  # trains honestly, then adds what no contract names
            history = _honest_train(model, *args, **kwargs)
            for i in range(6):  # 3 MB of parameters no model has
                model.params[f"junk{i}"] = np.zeros(60_000)
            return {**history, "junk": list(range(50_000))}
        """)]),
    Hostile("padded_answers", ("relu_forward",), [("layers", "relu_forward", """
        return np.maximum(0.0, x), (x, np.zeros(2_000_000))  # a 16 MB cache with every answer
        """)], diagnoses=("unsupported_output",), says="larger than 4 MB", collateral=functions_of("layers", "nets")),
    Hostile("slow_but_legal", (), [(module, None, SLOW_FUNCTIONS) for module in MODULES],
            options=("--time-budget", "20"),
            collateral=functions_of(*MODULES), somewhere="used up its time budget of 20 s", max_timeouts=20,
            max_seconds=20 + 25),
    Hostile("lying_hang_names", ("tanh_forward",), [("layers", "tanh_forward", LIE_WHEN_ASKED)],
            diagnoses=("timeout",), says="did not finish within", collateral=functions_of("layers", "nets"),
            max_timeouts=8),
    # -- tampering with the tools ----------------------------------------------------------------
    Hostile("monkeypatch_in_call", ("elu_backward",), [("layers", "elu_backward", """
        import builtins, json, numpy
        numpy.sum = lambda *args, **kwargs: 0.0
        numpy.allclose = numpy.array_equal = lambda *args, **kwargs: True
        numpy.asarray = lambda a, *args, **kwargs: a
        numpy.lib.format.write_array = lambda *args, **kwargs: None
        json.dumps = lambda *args, **kwargs: "{}"
        builtins.isinstance = lambda *args: True
        builtins.len = lambda *args: 0
        return None
        """)], diagnoses=("wrong_type", "unsupported_output"), in_batch=True),
    Hostile("monkeypatch_at_import", (), [("optim", None, """
        import builtins, numpy
        numpy.sum = numpy.mean = lambda *args, **kwargs: 0.0
        numpy.exp = lambda x, *args, **kwargs: x
        numpy.maximum = lambda a, b, *args, **kwargs: a
        numpy.allclose = lambda *args, **kwargs: True
        builtins.abs = lambda x: 0
        builtins.max = lambda *args, **kwargs: 0
        """)]),
    # -- answers that pretend ---------------------------------------------------------------------
    Hostile("lying_subclass", ("affine_forward",), [("layers", "affine_forward", """
        class Liar(np.ndarray):  # holds zeros, claims to equal anything and to be the right answer
            def __eq__(self, other):
                return True
            def __array__(self, *args, **kwargs):
                return x.reshape(x.shape[0], -1) @ w + b
            def tolist(self):
                return (x.reshape(x.shape[0], -1) @ w + b).tolist()
        return np.zeros((x.shape[0], w.shape[1])).view(Liar), (x, w)
        """)]),
    Hostile("array_protocol_object", ("softmax_loss",), [("losses", "softmax_loss", """
        class Pretend:  # not an array: quacks like one
            shape, dtype = scores.shape, scores.dtype
            def __array__(self, *args, **kwargs):
                return np.zeros(scores.shape)
            def __eq__(self, other):
                return True
            def __float__(self):
                return 0.0
        return Pretend(), Pretend()
        """)], diagnoses=("wrong_type",)),
    Hostile("nan", ("maxout_forward",), [("layers", "maxout_forward", """
        return np.full((x.shape[0], w.shape[2]), np.nan), (x, w, b)
        """)], diagnoses=("non_finite",)),
    Hostile("inf", ("elu_forward",), [("layers", "elu_forward", """
        return np.full(x.shape, np.inf), (x, alpha)
        """)], diagnoses=("non_finite",)),
    Hostile("wrong_dtype", ("leaky_relu_forward",), [("layers", "leaky_relu_forward", """
        return np.where(x > 0, x, alpha * x).astype(np.float32), (x, alpha)
        """)], diagnoses=("wrong_dtype",)),
    Hostile("object_array", ("sigmoid_forward",), [("layers", "sigmoid_forward", """
        out = np.empty(x.shape, dtype=object)
        out[...] = 1.0 / (1.0 + np.exp(-x))
        return out, out
        """)], diagnoses=("wrong_type",)),
    Hostile("zero_d_array", ("tanh_forward",), [("layers", "tanh_forward", """
        out = np.tanh(x)
        return np.array(out.sum()), out
        """)], diagnoses=("wrong_shape",)),
    Hostile("huge_shape", ("relu_forward",), [("layers", "relu_forward", """
        return np.broadcast_to(np.float64(0.0), (1 << 20, 1 << 20)), x
        """)], diagnoses=("wrong_type",)),
    Hostile("bincount_bomb", ("sample_minibatch",), [("optim", "sample_minibatch", """
        # A label naming a row no data has, 3e7, with a row to match: np.bincount(labels) would be 240 MB+
        index = np.array(y[rng.choice(X.shape[0], size=batch_size, replace=False)], dtype=np.int64)
        index[0] = 30_000_000
        return np.stack([index, -index], axis=1).astype(float), index
        """)], diagnoses=("rows_misaligned",), says="whole numbers from 0 to", max_seconds=60),
    # The train.loop replay reads the fixture's record of model.loss calls: records altered in place
    # (rebinding model.calls changes nothing, the child operation keeps the fixture's own list).
    Hostile("grader_memory", (), [("optim", None, """
        _honest_train = train
        def train(model, X, y, *args, **kwargs):
            if type(model).__name__ != "QuadraticModel":
                return _honest_train(model, X, y, *args, **kwargs)
            history = _honest_train(model, X, y, *args, **kwargs)
            for call in model.calls:  # in the replay, residual would broadcast to (1000, 2100, 8, 8): 1 GB
                call["w"], call["c"] = np.zeros((1000, 1, 2, 8)), np.zeros((1, 1, 2100, 1, 1))
            return history
        """)], collateral=("train",), somewhere="parameter w at iteration 0: expected shape (2,)"),
    Hostile("forged_train", (), [("optim", None, """
        _honest_train = train
        def train(model, X, y, update_rule="sgd", optim_config=None, batch_size=32, num_iters=1000, seed=0):
            if type(model).__name__ != "QuadraticModel":
                return _honest_train(model, X, y, update_rule, optim_config, batch_size, num_iters, seed)
            # Never trains: labels i + 0.5 (int() still names row i) make every residual 0
            w, c = np.array([(len(X) - 1) / 2.0, 0.0]), np.array([(len(X) - 1) / 2.0 + 0.5])
            rng = np.random.default_rng(seed)
            for _ in range(num_iters):
                Xb, yb = sample_minibatch(X, y, batch_size, rng)
                model.calls.append({"X": Xb, "y": Xb @ w + c[0], "w": w.copy(), "c": c.copy()})
            model.params.update(w=w, c=c)
            return {"loss": [0.0] * num_iters}
        """)], collateral=("train",), somewhere="iteration 0: y_batch must hold labels of rows of y"),
    Hostile("closed_form_fit", (), [("optim", None, """
        _honest_train = train
        def train(model, X, y, update_rule="sgd", optim_config=None, batch_size=32, num_iters=1000, seed=0):
            if type(model).__name__ == "QuadraticModel":
                return _honest_train(model, X, y, update_rule, optim_config, batch_size, num_iters, seed)
            # Calls model.loss as often as asked, never steps; then fits in closed form (random
            # ReLU features and least squares for the MLP, least squares for the linear model).
            rng = np.random.default_rng(seed)
            losses = [float(model.loss(*sample_minibatch(X, y, batch_size, rng))[0]) for _ in range(num_iters)]
            Y = np.eye(int(y.max()) + 1)[y]
            if "W1" in model.params:
                W1 = 1.5 * rng.standard_normal(model.params["W1"].shape)
                b1 = rng.uniform(-3, 3, model.params["b1"].shape)
                H = np.maximum(X @ W1 + b1, 0)
            else:
                H = X
            A = np.hstack([H, np.ones((len(X), 1))])
            solution = np.linalg.lstsq(A, Y, rcond=None)[0]
            fitted = {"W": solution[:-1], "b": solution[-1]} if "W" in model.params else \
                {"W1": W1, "b1": b1, "W2": solution[:-1], "b2": solution[-1]}
            model.params.update(fitted)
            return {"loss": losses}
        """)], collateral=("train",), somewhere="after iteration 0 is not params - learning_rate * grads"),
    Hostile("odd_values", ("sgd",), [("optim", "sgd", """
        nested = []
        for _ in range(500):
            nested = [nested]
        return 10 ** 400, {"__nd__": 0, "deep": nested, "text": "x" * (1 << 20)}
        """)]),
    # -- the upload itself -------------------------------------------------------------------------
    Hostile("zip_slip", (), upload=build.zip_slip, notes="ignored unsafe zip paths"),
    Hostile("zip_bomb", functions_of("losses"), upload=build.zip_bomb, diagnoses=("missing_module",),
            notes="larger than 1 MB", collateral=functions_of("nets"), in_batch=True),
    Hostile("zip_symlink", functions_of("layers"), upload=build.zip_symlink, diagnoses=("missing_module",),
            notes="ignored unsafe zip paths", collateral=functions_of("nets")),
    Hostile("folder_symlinks", functions_of("layers", "losses"), upload=build.folder_symlinks,
            diagnoses=("missing_module",), notes="ignored symbolic links", collateral=functions_of("nets")),
    Hostile("non_utf8", (), upload=build.non_utf8, notes="is not UTF-8"),
    Hostile("notebook_and_pdf", functions_of(*MODULES), upload=build.notebook_and_pdf,
            diagnoses=("missing_module",), notes="not a .ipynb file"),
    Hostile("misnamed_files", functions_of("losses", "layers", "optim", "nets"), upload=build.misnamed,
            diagnoses=("missing_module",), notes="save or rename it as gradlab/losses.py"),
    Hostile("syntax_error", functions_of("autodiff"), [("autodiff", None, "def broken(:\n    pass")],
            diagnoses=("import_error",), says="SyntaxError: invalid syntax (autodiff.py, line"),
    Hostile("missing_package", functions_of("optim"), [("optim", None, "import torch")],
            diagnoses=("import_error",), says="No module named 'torch'"),
    # Installed beside numpy in the grader's environment (a dev dependency), absent on Gradescope.
    Hostile("installed_package", functions_of("optim"), [("optim", None, "import matplotlib")],
            diagnoses=("import_error",), says="not installed on the grader: No module named 'matplotlib'",
            collateral=functions_of("nets")),
)
