"""The TAs' page's Slurm recipe on a real (one-node, private) Slurm: the merged shards equal one local run.

The cluster is Debian's slurm-wlm with its own munge key and socket, ports, spool and logs in a
temporary folder, so it touches no system-wide Slurm. Its daemons run as root (SlurmUser and
SlurmdUser), so the test needs root and the packages (`make slurm` installs them as root);
otherwise, or when the daemons cannot start here, it skips and says why.
"""
import csv
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "submissions"
TAS = (ROOT / "docs" / "tas.md").read_text(encoding="utf-8")
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
TOOLS = ("munged", "slurmctld", "slurmd", "sbatch", "sinfo", "squeue", "scancel")
NODE = "gradlab-node"
SHARDS = 2
# The recipe's numbers, made to fit one small node: 2 tasks of 1 CPU each run side by side.
RECIPE_CHANGES = {"--array=1-8": f"--array=1-{SHARDS}", "--cpus-per-task=4": "--cpus-per-task=1", " [--canvas]": ""}
# What a grading measures rather than decides: differs between any two runs.
MEASURED = ("execution_time", "student_peak_memory_mb")
START_SECONDS = 60
RECIPE_SECONDS = 600


def tool(name):
    return shutil.which(name, path=SEARCH_PATH)


def free_ports(count):
    """count distinct TCP ports free on localhost now (held open together, so never the same one twice)."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def slurm_conf(home, munge_socket):
    """slurm.conf for one node on localhost, free of cgroups (which a container may not offer)."""
    host = socket.gethostname().split(".")[0]
    controller_port, node_port = free_ports(2)
    lines = [
        "ClusterName=gradlab",
        f"SlurmctldHost={host}(127.0.0.1)",
        f"SlurmctldPort={controller_port}",
        f"SlurmdPort={node_port}",
        "SlurmUser=root",
        "SlurmdUser=root",
        "AuthType=auth/munge",
        f"AuthInfo=socket={munge_socket}",
        "CredType=cred/munge",
        f"StateSaveLocation={home / 'state'}",
        f"SlurmdSpoolDir={home / 'spool'}",
        f"SlurmctldPidFile={home / 'slurmctld.pid'}",
        f"SlurmdPidFile={home / 'slurmd.pid'}",
        f"SlurmctldLogFile={home / 'slurmctld.log'}",
        f"SlurmdLogFile={home / 'slurmd.log'}",
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "JobAcctGatherType=jobacct_gather/none",
        "AccountingStorageType=accounting_storage/none",
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_CPU",
        "MpiDefault=none",
        "ReturnToService=2",
        # sbatch --wait polls after 2, 8, 32, 32... s while the wait is under half of MinJobAge (300 s by
        # default): 16 keeps it at every 8 s, with a finished job still listed when the poll comes.
        "MinJobAge=16",
        f"NodeName={NODE} NodeHostname={host} NodeAddr=127.0.0.1 CPUs={os.cpu_count() or 1} State=UNKNOWN",
        f"PartitionName=grading Nodes={NODE} Default=YES MaxTime=INFINITE State=UP",
    ]
    return "\n".join(lines) + "\n"


def log_tail(home):
    """The last lines each daemon wrote, for a skip's reason or a failure's message."""
    names = [f"{daemon}.{kind}" for daemon in ("munged", "slurmctld", "slurmd") for kind in ("stderr", "log")]
    return " | ".join(line for name in names if (home / name).exists()
                      for line in (home / name).read_text(errors="replace").splitlines()[-3:])


def wait_until(condition, seconds, daemons=()):
    """Whether condition() came true within seconds (False at once when one of daemons has ended)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and all(daemon.poll() is None for daemon in daemons):
        if condition():
            return True
        time.sleep(0.5)
    return False


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A running one-node Slurm: (its folder, the environment that points the Slurm commands at it)."""
    if os.geteuid() != 0:
        pytest.skip("the Slurm test runs its daemons as root: not root here")
    missing = [name for name in TOOLS if tool(name) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed and `make slurm` could not install them "
                    "(it needs root and apt-get)")
    home = tmp_path_factory.mktemp("slurm")
    for folder in ("munge", "state", "spool"):
        (home / folder).mkdir()
    key = home / "munge" / "munge.key"
    key.write_bytes(os.urandom(128))
    key.chmod(0o600)
    munge_socket = home / "munge" / "socket"
    (home / "slurm.conf").write_text(slurm_conf(home, munge_socket))
    # A Slurm job's own SLURM_* variables (when the suite itself runs under Slurm) would override ours.
    env = {name: value for name, value in os.environ.items() if not name.startswith("SLURM_")}
    env.update(SLURM_CONF=str(home / "slurm.conf"), PATH=SEARCH_PATH)
    commands = [
        # --force: munged refuses a socket that not every user can reach, and pytest's folders are root's
        # alone; here only root (the daemons, the jobs, sbatch) talks to it.
        [tool("munged"), "--foreground", "--force", f"--socket={munge_socket}", f"--key-file={key}",
         f"--pid-file={home / 'munged.pid'}", f"--log-file={home / 'munged.log'}",
         f"--seed-file={home / 'munge' / 'seed'}"],
        [tool("slurmctld"), "-D"],
        [tool("slurmd"), "-D", "-N", NODE],
    ]
    daemons = []
    try:
        started = time.monotonic()
        for command in commands:
            with open(home / f"{Path(command[0]).name}.stderr", "wb") as stderr:
                daemons.append(subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL,
                                                stdout=subprocess.DEVNULL, stderr=stderr))
            if command is commands[0] and not wait_until(munge_socket.exists, START_SECONDS, daemons):
                pytest.skip(f"munged did not start: {log_tail(home)}")

        def idle():
            try:
                state = subprocess.run([tool("sinfo"), "-h", "-n", NODE, "-o", "%T"], env=env, capture_output=True,
                                       text=True, timeout=30)
            except subprocess.TimeoutExpired:
                return False
            return state.stdout.strip() == "idle"

        if not wait_until(idle, START_SECONDS, daemons):
            pytest.skip(f"the one-node Slurm did not become idle in {START_SECONDS} s: {log_tail(home)}")
        print(f"Slurm up in {time.monotonic() - started:.1f} s")
        yield home, env
    finally:
        stop(daemons, env)


def stop(daemons, env):
    """Cancel what is left of the jobs (only ours: the cluster is private), then end the daemons."""
    if len(daemons) == 3:
        subprocess.run([tool("scancel"), "--user=root"], env=env, capture_output=True, timeout=30)
        wait_until(lambda: not subprocess.run([tool("squeue"), "-h"], env=env, capture_output=True, text=True,
                                              timeout=30).stdout.strip(), 30)
    for daemon in reversed(daemons):
        daemon.terminate()
        try:
            daemon.wait(timeout=20)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait(timeout=20)


def recipe(home, changes=None):
    """The TAs' page's grade.sh and its submit-and-merge commands, with home for /shared/hw3 (and changes)."""
    section = TAS.split("## Splitting a class across machines", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    script = next((block for block in blocks if block.startswith("#!/bin/sh\n")), None)
    submit = next((block for block in blocks if "sbatch " in block), None)
    assert script and submit, \
        "the TAs' page's Slurm recipe (grade.sh, then sbatch and merge) is not found: update this test"
    changes = {**RECIPE_CHANGES, "/shared/hw3": str(home), " grade.sh": f" {home / 'grade.sh'}", **(changes or {})}
    if not (ROOT / ".venv" / "bin" / "python").exists():
        changes[".venv/bin/python"] = sys.executable
    text = script + "\0" + submit
    for old, new in changes.items():
        assert old in text, f"the TAs' page's Slurm recipe no longer has {old!r}: update this test"
        text = text.replace(old, new)
    return text.split("\0")


def gradebook(out):
    with open(out / "gradebook.csv", newline="") as handle:
        return {row["id"]: row["total"] for row in csv.DictReader(handle)}


def files(out):
    return sorted(str(path.relative_to(out)) for path in out.rglob("*") if path.is_file())


def decided(results_json):
    """A results.json without what it measured."""
    results = json.loads(results_json.read_text())
    for record in (results, results.get("extra_data", {})):
        for name in MEASURED:
            record.pop(name, None)
    return results


def run_recipe(cluster, work, changes=None):
    """The TAs' page's recipe on the cluster over a copy of the examples in work.

    Returns (the completed `sh -e -c` of the submit-and-merge block, {log file name: the task's output},
    a message for failures with both and the daemons' last log lines)."""
    home, env = cluster
    shutil.copytree(EXAMPLES, work / "submissions")
    script, submit = recipe(work, changes)
    (work / "grade.sh").write_text(script)
    started = time.monotonic()
    done = subprocess.run(["sh", "-e", "-c", submit], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=RECIPE_SECONDS)
    print(f"recipe (sbatch --wait, then merge if it succeeded) took {time.monotonic() - started:.1f} s")
    logs = {path.name: path.read_text() for path in sorted((work / "logs").glob("*.out"))}
    return done, logs, f"{done.stderr} | job logs: {logs} | daemons: {log_tail(home)}"


@pytest.fixture(scope="module")
def graded(cluster, tmp_path_factory):
    """The examples graded by the TAs' page's recipe on the cluster and by one local batch: (work folder, local out)."""
    work = tmp_path_factory.mktemp("hw3")
    done, _, story = run_recipe(cluster, work)
    assert done.returncode == 0, story
    local = work / "local"
    alone = subprocess.run([sys.executable, "-m", "autograder", "batch", str(work / "submissions"), "--out",
                            str(local), "--jobs", "2"], cwd=ROOT, capture_output=True, text=True,
                           timeout=RECIPE_SECONDS)
    assert alone.returncode == 0, alone.stderr
    return work, local


def test_each_array_task_grades_its_own_shard(graded):
    work, local = graded
    shards = [work / "shards" / str(k) for k in range(1, SHARDS + 1)]
    assert sorted(p.name for p in (work / "shards").iterdir()) == [p.name for p in shards]
    assert [json.loads((p / "batch.json").read_text())["shard"] for p in shards] == [[k, SHARDS] for k in
                                                                                      range(1, SHARDS + 1)]
    ids = [list(gradebook(p)) for p in shards]
    assert all(ids) and sorted(sum(ids, [])) == sorted(gradebook(local))
    assert all(f"shard {k}/{SHARDS}: " in (work / "logs" / f"{k}.out").read_text() for k in range(1, SHARDS + 1))


def test_the_merge_equals_one_local_run(graded):
    work, local = graded
    merged = work / "reports"
    assert gradebook(merged) == gradebook(local) and len(gradebook(local)) >= SHARDS
    assert (merged / "gradebook.csv").read_bytes() == (local / "gradebook.csv").read_bytes()
    assert files(merged) == files(local)
    for student in gradebook(local):
        assert decided(merged / student / "results.json") == decided(local / student / "results.json"), student


def test_without_its_default_the_cpu_count_stops_every_task(cluster, tmp_path):
    """Why grade.sh writes ${SLURM_CPUS_PER_TASK:-1}: Slurm sets the variable only with --cpus-per-task."""
    bare = {"${SLURM_CPUS_PER_TASK:-1}": "$SLURM_CPUS_PER_TASK", "--cpus-per-task=4": ""}
    done, logs, story = run_recipe(cluster, tmp_path, bare)
    assert done.returncode != 0, story
    assert sorted(logs) == [f"{k}.out" for k in range(1, SHARDS + 1)], story
    assert all("argument --jobs: expected one argument" in log for log in logs.values()), story
    assert not (tmp_path / "shards").exists() and not (tmp_path / "reports").exists()
