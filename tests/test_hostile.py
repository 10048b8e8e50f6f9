"""The adversarial suite: hostile, broken and odd submissions (tests/hostile/cases.py), each graded
by `python -m autograder grade` in a subprocess (several at once, but a case that fills the
student user's process count alone), and some of them again together with an honest one by
`python -m autograder batch`.

For every case: the command ends (within CLI_TIMEOUT, far above the bound of docs/threat-model.md) and exits 0;
results.json is valid and was written last, by the grader; the attacked tests score 0 with a
clear message and diagnosis; every other test scores what the honest submission scores; at most
max_timeouts children were stopped for time. For the whole suite: no grader secret appears in any
result, no file appears outside the sandbox, no process the students started survives, no
connection reached the machine, and in the batch every student's result is what it is alone.
"""
import json
import os
import pwd
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder.sandbox import Sandbox, isolation
from hostile.cases import CASES
from mutate import ROOT, copy_reference
from results_schema import validate as validate_results

CLI_TIMEOUT = 180  # seconds per grading: a hang here is a failure, not a slow test
WORKERS = 4  # gradings at a time: most of a hostile grading is waiting for a timeout
# Words that only the grader's own files or environment hold (the submissions are unfenced copies).
SECRETS = ("### BEGIN SOLUTION", '@check("', 'visibility = "after_due_date"')
WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")
MAX_FILE = 1 << 20  # bytes of results.json and of report.md, whatever a submission does
MAX_GRADER_MB = 200  # the grading process's peak memory, whatever a submission does


def ensure_student_user():
    """As root, create the unprivileged user that runs student code, as setup.sh and `make
    sandbox-user` do; without it the sandbox falls back to "nobody"."""
    if os.geteuid() != 0:
        return
    try:
        pwd.getpwnam(isolation.STUDENT_USERS[0])
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", isolation.STUDENT_USERS[0]], check=True)


def capabilities(applied):
    """The defences the cases' `needs` refer to, from what a sandbox reported it applied."""
    solutions_private = not os.stat(ROOT / "solutions").st_mode & stat.S_IROTH
    return {
        "processes_limited": bool(applied.get("user")) or os.geteuid() != 0,  # RLIMIT_NPROC holds
        "signals_contained": bool(applied.get("user")) or applied.get("pid_namespace", False),
        "grader_files_hidden": (applied.get("filesystem") == "allowlist"
                                or bool(applied.get("user")) and solutions_private),
        "network_off": applied.get("network") == "off",
        "private_tmp": bool(applied.get("private_tmp")),
        "files_allowlisted": applied.get("filesystem") == "allowlist",
    }


@dataclass
class Graded:
    """One grading by the command line."""
    returncode: int
    stderr: str
    results: dict
    out: Path
    finished: float  # time.time() when the command returned
    memory_mb: int = None  # the grading process's peak resident memory


def _high_water_mb(pid):
    """The process's peak resident memory so far (VmHWM), or 0 once it is gone. (wait4's ru_maxrss
    would not do: Linux carries the forking process's own peak, here pytest's, across exec.)"""
    try:
        with open(f"/proc/{pid}/status") as handle:
            return next(int(line.split()[1]) for line in handle if line.startswith("VmHWM")) // 1024
    except (OSError, StopIteration, ValueError):
        return 0


def grade_cli(upload, out, env, options=()):
    """The grading command's outcome, with the grader's own peak memory (the student's processes
    are the zygote's children, not its), read while it runs."""
    process = subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(upload), "--out", str(out), *options],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = [0]

    def watch():
        while process.poll() is None:
            peak[0] = max(peak[0], _high_water_mb(process.pid))
            time.sleep(0.01)
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        stderr = process.communicate(timeout=CLI_TIMEOUT)[1]  # a hang here is a failure, not a slow test
    finally:
        process.kill()
        watcher.join()
    results = json.loads((out / "results.json").read_text()) if (out / "results.json").exists() else {}
    return Graded(process.returncode, stderr, results, out, time.time(), peak[0])


def scores(results):
    return {t["extra_data"]["id"]: t["score"] for t in results["tests"]}


def found_files(marker):
    """Paths under the shared writable folders and the repository whose name holds marker, and
    results.json files there holding it."""
    hits = []
    for top in WRITABLE + (str(ROOT),):
        for folder, subfolders, names in os.walk(top):
            subfolders[:] = [d for d in subfolders if d not in (".venv", ".git") and not d.startswith("pytest-of")]
            for name in names:
                path = os.path.join(folder, name)
                if marker in name:
                    hits.append(path)
                elif name == "results.json":
                    try:
                        with open(path, "rb") as handle:
                            if marker.encode() in handle.read(1 << 20):
                                hits.append(path)
                    except OSError:
                        pass
    return hits


def processes_named(name):
    """Pids of live processes whose name (comm) is name."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/comm") as handle:
                if handle.read().strip() == name:
                    pids.append(int(pid))
        except OSError:
            pass
    return pids


@pytest.fixture(scope="module")
def applied(tmp_path_factory):
    """What the sandbox applies on this machine (probed with an empty submission)."""
    ensure_student_user()
    with Sandbox(tmp_path_factory.mktemp("probe")) as sandbox:
        sandbox.request({"op": "import", "module": "losses"})
        return sandbox.isolation


def selected(session):
    """The cases this session needs graded: those of the selected parametrized tests (all, unless
    -k narrows them), the honest one, and the batch's when the batch test runs."""
    names = {"honest"}
    for item in session.items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "case" in params:
            names.add(params["case"].name)
        elif item.name == "test_in_a_batch_every_student_gets_what_they_get_alone":
            names |= {c.name for c in CASES if c.in_batch}
    return [c for c in CASES if c.name in names]


@pytest.fixture(scope="module")
def planted():
    """World-readable finished solutions where TAs keep them, outside the grader's repository: a
    course folder in /tmp and a classmate's upload in a SUBMISSIONS folder under /home."""
    places = [Path("/tmp") / f"course-{uuid.uuid4().hex[:8]}", Path("/home") / f"ta-{uuid.uuid4().hex[:8]}"]
    copy_reference(places[0] / "solutions")
    copy_reference(places[1] / "SUBMISSIONS" / "classmate")
    for place in places:
        for folder, _, files in os.walk(place):
            os.chmod(folder, 0o755)
            for name in files:
                os.chmod(os.path.join(folder, name), 0o644)
    yield places
    for place in places:
        shutil.rmtree(place, ignore_errors=True)


@pytest.fixture(scope="module")
def suite(applied, planted, tmp_path_factory, request):
    """The runnable cases graded by the command line, then the batch; dict with the outcomes."""
    base = tmp_path_factory.mktemp("hostile")
    can = capabilities(applied)
    runnable = [c for c in selected(request.session) if all(can[n] for n in c.needs)]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    marker = f"hostile{uuid.uuid4().hex[:12]}"
    values = {"MARKER": marker, "COMM": marker[:15], "PORT": listener.getsockname()[1], "ROOT": ROOT}
    secret = f"grader-secret-{uuid.uuid4().hex}"
    env = {**os.environ, "GRADLAB_TEST_SECRET": secret}

    def one(case):
        out = base / "out" / case.name
        upload = case.make(base / "uploads" / case.name, {**values, "OUT": out})
        return case.name, grade_cli(upload, out, env, case.options)

    with ThreadPoolExecutor(WORKERS) as pool:
        graded = dict(pool.map(one, [c for c in runnable if not c.crowds]))
    graded.update(one(c) for c in runnable if c.crowds)
    batch = base / "batch"
    (batch / "in").mkdir(parents=True)
    for case in (c for c in runnable if c.in_batch):
        built = case.make(base / "batch-uploads" / case.name, {**values, "OUT": batch / "out" / case.name})
        shutil.copy(built, batch / "in" / f"{case.name}.zip") if built.suffix == ".zip" else \
            shutil.copytree(built, batch / "in" / case.name, symlinks=True)
    batch_run = subprocess.run([sys.executable, "-m", "autograder", "batch", str(batch / "in"), "--out",
                                str(batch / "out"), "--jobs", "2"], cwd=ROOT, env=env, capture_output=True,
                               text=True, timeout=CLI_TIMEOUT * 2)
    time.sleep(1.0)  # anything still alive would rewrite its forgeries by now
    connections = []
    try:
        while True:
            connections.append(listener.accept()[0].recv(100))
    except BlockingIOError:
        pass
    listener.close()
    yield {"graded": graded, "batch": batch, "batch_run": batch_run, "marker": marker, "secret": secret,
           "connections": connections, "can": can, "runnable": {c.name for c in runnable}}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_submission_gets_a_fair_bounded_result(case, suite, applied):
    if case.name not in suite["runnable"]:
        missing = [n for n in case.needs if not suite["can"][n]]
        pytest.skip(f"not defended at this isolation level ({applied.get('level')}): needs {missing}")
    graded, honest = suite["graded"][case.name], suite["graded"]["honest"]
    assert graded.returncode == 0, graded.stderr
    results = graded.results
    validate_results(results)
    # Written last, by the grader: after the report, and nothing else in the folder.
    files = sorted(p.name for p in graded.out.iterdir())
    assert files == ["report.md", "results.json"], files
    assert (graded.out / "results.json").stat().st_mtime_ns >= (graded.out / "report.md").stat().st_mtime_ns
    assert (graded.out / "results.json").stat().st_mtime <= graded.finished
    expected = scores(honest.results)
    touched = set(case.attacks) | set(case.collateral)
    for test in results["tests"]:
        test_id, score = test["extra_data"]["id"], test["score"]
        if test["tags"][0] in case.attacks:
            assert score == 0, (test_id, test["output"])
            if case.diagnoses:
                # Every failed case's cause is an accepted one; the test's is too, or "unknown" when
                # its cases name two of them (e.g. a starved child: a timeout, then exceptions).
                causes = {c["diagnosis"] for c in test["extra_data"]["cases"] if not c["passed"]}
                assert causes <= set(case.diagnoses), (test_id, test["output"])
                assert test["extra_data"]["diagnosis"] in case.diagnoses or len(causes) > 1, (test_id, test["output"])
            assert case.says in test["output"], (test_id, test["output"])
        elif touched & set(test["tags"]):
            assert score <= expected[test_id], test_id
        else:
            assert score == expected[test_id], (test_id, test["output"])
    assert case.notes in results["output"], results["output"]
    assert not case.somewhere or any(case.somewhere in test["output"] for test in results["tests"])
    assert results["extra_data"]["children_stopped"]["timeout"] <= case.max_timeouts, results["extra_data"]
    assert case.max_seconds is None or results["execution_time"] <= case.max_seconds
    for name in ("results.json", "report.md"):  # whatever the submission sends
        assert (graded.out / name).stat().st_size < MAX_FILE, name
    assert graded.memory_mb < MAX_GRADER_MB, graded.memory_mb
    assert results["extra_data"]["isolation"]["level"] in (None, applied["level"])


def test_the_honest_submission_scores_full_marks(suite):
    assert suite["graded"]["honest"].results["score"] == 100


def test_no_result_holds_a_grader_secret(suite):
    for name, graded in suite["graded"].items():
        for path in graded.out.iterdir():
            text = path.read_text(errors="replace")
            for secret in SECRETS + (suite["secret"],):
                assert secret not in text, (name, path.name, secret)


def test_nothing_outside_the_sandbox_changed_and_nothing_survived(suite):
    assert found_files(suite["marker"]) == []
    assert processes_named(suite["marker"][:15]) == []


def test_no_connection_left_the_sandbox(suite):
    if not suite["can"]["network_off"]:
        pytest.skip("the network is not isolated here")
    assert suite["connections"] == []


def test_in_a_batch_every_student_gets_what_they_get_alone(suite):
    run = suite["batch_run"]
    assert run.returncode == 0, run.stderr[-2000:]
    batched = [c for c in CASES if c.in_batch and c.name in suite["runnable"]]
    assert len(batched) > 3
    for case in batched:
        results = json.loads((suite["batch"] / "out" / case.name / "results.json").read_text())
        validate_results(results)
        assert scores(results) == scores(suite["graded"][case.name].results), case.name
        for secret in SECRETS + (suite["secret"],):
            assert secret not in json.dumps(results), (case.name, secret)


DAEMON = '''
import ctypes, os, time
def start(path, name):
    """Leave a daemon (new session, double fork) that rewrites path until killed; return its pid."""
    read, write = os.pipe()
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            ctypes.CDLL(None).prctl(15, name.encode(), 0, 0, 0)
            os.write(write, str(os.getpid()).encode())
            while True:
                with open(path, "w") as handle:
                    handle.write("forged")
                time.sleep(0.01)
        os._exit(0)
    return int(os.read(read, 20))
'''


def gone(name, seconds=3.0):
    """True once no process is named name (a killed process takes a moment to disappear)."""
    deadline = time.monotonic() + seconds
    while processes_named(name) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not processes_named(name)


@pytest.mark.parametrize("level", isolation.LEVELS)
def test_a_daemon_that_escapes_its_session_is_killed_after_the_call(level, tmp_path, applied):
    """At both levels: with a PID namespace the worker kills it after the request; without one
    ("basic") the child that forked is replaced, and its keeper (a subreaper) kills the rest."""
    (tmp_path / "gradlab").mkdir()
    (tmp_path / "gradlab" / "probe.py").write_text(DAEMON)
    name = f"daemon{uuid.uuid4().hex[:9]}"
    with Sandbox(tmp_path, level=level) as sandbox:
        for _ in range(2):
            reply = sandbox.request({"op": "call", "call": {"target": "probe.start", "args": ["forged.txt", name]}})
            assert reply.ok, reply
            assert gone(name)
        assert sandbox.isolation["pid_namespace"] == (level == "best" and applied["pid_namespace"])
        assert sandbox.stopped["replaced"] == (0 if sandbox.isolation["pid_namespace"] else 2)
