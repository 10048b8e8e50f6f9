"""What the student's process can see and spend: the new root's allowlist (also inside a chroot),
the time budget, the memory a memory bomb leaves the grader, and what one visibility's tests
leave in a child.

The file-system tests need the `user+namespaces` level (root, namespaces); elsewhere they skip
and say so, as the threat model (docs/threat-model.md) does.
"""
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from autograder import assignment, grade, rubric
from autograder.sandbox import Limits, Sandbox, names
from mutate import ROOT, copy_reference

PROBE = '''
import os, sys, time

def walk(stop):
    """Every file and folder the process can reach from /, not descending into /proc or stop."""
    found = []
    for folder, subfolders, files in os.walk("/"):
        subfolders[:] = [d for d in subfolders if os.path.join(folder, d) not in ["/proc"] + stop]
        found += [os.path.join(folder, name) for name in subfolders + files]
    return found

def imports(names):
    out = {}
    for name in names:
        try:
            __import__(name)
            out[name] = "ok"
        except ImportError as error:
            out[name] = str(error)
    return out

def listing(folder):
    return sorted(os.listdir(folder))

def nap(seconds):
    time.sleep(seconds)
    return seconds
'''


def probe_sandbox(tmp_path, **limits):
    (tmp_path / "gradlab").mkdir(exist_ok=True)
    (tmp_path / "gradlab" / "probe.py").write_text(PROBE)
    return Sandbox(tmp_path, Limits(**limits))


def call(sandbox, function, *args):
    return sandbox.request({"op": "call", "call": {"target": f"probe.{function}", "args": list(args)}})


def test_the_child_sees_only_its_allowlist(tmp_path):
    with probe_sandbox(tmp_path) as sandbox:
        assert call(sandbox, "nap", 0).ok
        isolation, run = sandbox.isolation, str(sandbox.run)
        if isolation["filesystem"] != "allowlist":
            pytest.skip(f"no new root at this isolation level ({isolation['level']})")
        allowed = [p.replace("<sandbox>", run) for p in isolation["visible_paths"]]
        private = ["/tmp", "/var/tmp", "/dev/shm", f"{run}/home"]
        reply = call(sandbox, "walk", allowed + private)
    assert reply.ok, reply
    devices = [f"/dev/{name}" for name in ("null", "zero", "random", "urandom")]
    # Everything found is an allowed path, inside one, or a folder on the way to one.
    outside = [path for path in reply.value["result"]
               if not any(path == a or path.startswith(a + "/") or a.startswith(path + "/")
                          for a in allowed + private + devices + ["/proc"])
               and not os.path.islink(path)]
    assert outside == []
    assert not any("site-packages/" in p and "/numpy" not in p for p in reply.value["result"] + allowed)
    assert not any(p.startswith(str(ROOT / "solutions")) or p.startswith(str(ROOT / "tests"))
                   for p in reply.value["result"])


def test_only_the_standard_library_and_numpy_import(tmp_path):
    with probe_sandbox(tmp_path) as sandbox:
        reply = call(sandbox, "imports", ["json", "sqlite3", "ctypes", "decimal", "numpy.fft", "matplotlib",
                                          "pytest", "jsonschema", "autograder", "worker"])
    assert reply.ok, reply
    outcome = reply.value["result"]
    assert [n for n, v in outcome.items() if v == "ok"] == ["json", "sqlite3", "ctypes", "decimal", "numpy.fft",
                                                            "worker"]  # the worker is already loaded, as numpy
    assert outcome["matplotlib"] == "No module named 'matplotlib'"


def test_pips_wheels_in_the_standard_library_are_covered(tmp_path):
    import ensurepip

    bundled = os.path.join(os.path.dirname(ensurepip.__file__), "_bundled")
    with probe_sandbox(tmp_path) as sandbox:
        reply = call(sandbox, "listing", bundled)
        isolation = sandbox.isolation
    if isolation["filesystem"] != "allowlist":
        pytest.skip(f"no new root at this isolation level ({isolation['level']})")
    assert os.listdir(bundled) and reply.value["result"] == []


LEAKS = "".join(f"def _leak_{k}(spin=False):\n    while spin:\n        pass\n\n\n" for k in range(10)) + (
    "def _disabled():\n    return [k for k in range(10) if globals()[f'_leak_{k}'].__name__ != f'_leak_{k}']\n\n\n")


def test_which_function_a_hidden_test_made_hang_is_not_told_to_later_tests(tmp_path):
    # A review's attack: l1's hidden input picks the function it hangs in; the grader disables
    # that function in later children, where l2 (after the due date) can look which it was.
    upload = copy_reference(tmp_path, [
        ("regularizers", "\n\ndef l2(W):", "\n\n" + LEAKS + "def l2(W):"),
        ("regularizers", "    return float(np.sum(np.abs(W))), np.sign(W).astype(float)\n",
         "    if not _disabled():\n        globals()[f'_leak_{int(abs(W.flat[0]) * 1e6) % 10}'](True)\n"
         "    return float(np.sum(np.abs(W))), np.sign(W).astype(float)\n"),
        ("regularizers", "    return float(np.sum(W * W)), 2.0 * W\n",
         "    if _disabled():\n        raise RuntimeError(f'LEAK {_disabled()}')\n"
         "    return float(np.sum(W * W)), 2.0 * W\n")])
    shown = {"l1.values_and_gradient": "hidden", "l2.values_and_gradient": "after_due_date"}
    tests = [dataclasses.replace(test, visibility=shown.get(test.id, test.visibility))
             for test in rubric.load(assignment.current())]
    results, _ = grade.grade(upload, rubric_tests=tests)
    by_id = {test["extra_data"]["id"]: test for test in results["tests"]}
    assert "did not finish" in by_id["l1.values_and_gradient"]["output"]  # it did hang, in the hidden tests
    # The first test after the hidden ones, before any l1 of its own visibility could hang.
    assert by_id["l2.values_and_gradient"]["status"] == "passed", by_id["l2.values_and_gradient"]["output"]


KEYS = """
import ctypes, os
def add_user_key(name):
    libc = ctypes.CDLL(None, use_errno=True)
    number = {"x86_64": 248, "aarch64": 217}[os.uname().machine]
    key = libc.syscall(number, b"user", name.encode(), b"secret", 6, -4)  # KEY_SPEC_USER_KEYRING
    return [key, ctypes.get_errno()]
"""


@pytest.mark.skipif(os.uname().machine not in ("x86_64", "aarch64"), reason="the filter knows x86_64 and aarch64")
def test_the_students_process_cannot_use_the_kernels_keyrings(tmp_path):
    # A key of the student's user would outlive the child: a channel to later children and gradings.
    (tmp_path / "gradlab").mkdir()
    (tmp_path / "gradlab" / "keys.py").write_text(KEYS)
    with probe_sandbox(tmp_path) as sandbox:
        reply = sandbox.request({"op": "call", "call": {"target": "keys.add_user_key", "args": [uuid.uuid4().hex]}})
        assert reply.ok and reply.value["result"] == [-1, 1], reply  # EPERM
        assert sandbox.isolation["keyrings"] == "denied"


def test_a_child_booted_ahead_runs_no_student_code_until_its_first_request_imports_the_preload(tmp_path):
    (tmp_path / "gradlab").mkdir()
    (tmp_path / "gradlab" / "loud.py").write_text("print('loud imported')\n")
    with probe_sandbox(tmp_path) as sandbox:
        sandbox.preload = ["loud"]
        sandbox.boot()  # as a lane's child starts while another checks the imports
        assert sandbox.process is not None and sandbox.starts == 1 and sandbox.printed() == ""
        reply = call(sandbox, "nap", 0)
        assert reply.ok and sandbox.starts == 1
        assert sandbox.printed() == "loud imported\n"


def test_the_time_budget_covers_all_calls_together(tmp_path):
    with probe_sandbox(tmp_path, total_seconds=1.0) as sandbox:
        first = call(sandbox, "nap", 0.6)
        second = call(sandbox, "nap", 0.6)
        third = call(sandbox, "nap", 0.0)
    assert first.ok
    assert second.status == "timeout" and "left of the submission's time budget (1 s" in second.detail
    assert third.status == "timeout" and "used up its time budget of 1 s" in third.detail


def test_hang_names_must_be_functions_the_submission_defines(tmp_path):
    package = tmp_path / "gradlab"
    package.mkdir()
    (package / "m.py").write_text(textwrap.dedent('''
        class Model:
            def loss(self):
                def inner():
                    pass
        if True:
            def branch():
                pass
        '''))
    (package / "broken.py").write_text("def (:\n")
    found = names.defined_functions(package)
    assert found == {"m.<module>", "m.Model.loss", "m.Model.loss.<locals>.inner", "m.branch", "broken.<module>"}
    assert names.can_disable("m.Model.loss") and not names.can_disable("m.Model.loss.<locals>.inner")


# l2 keeps a digest of every W it was called with in this process, and says them: its own first.
REMEMBERING_L2 = ("    ### BEGIN SOLUTION\n    # HINT: d(w^2)/dw = 2w.\n",
                  "    ### BEGIN SOLUTION\n    import hashlib\n"
                  "    SEEN.append(hashlib.sha256(np.ascontiguousarray(W).tobytes()).hexdigest()[:16])\n"
                  "    print('printed ' + SEEN[-1])\n"
                  "    raise RuntimeError('mine ' + SEEN[-1] + ' seen ' + ' '.join(SEEN[:-1][-8:]) + ' end')\n")


@pytest.mark.parametrize("lanes", [None, [0, 0]], ids=["one lane", "two lanes"])
def test_what_a_tests_inputs_leave_in_a_child_reaches_no_test_of_another_visibility(tmp_path, lanes):
    upload = copy_reference(tmp_path, [("regularizers", "import numpy as np\n", "import numpy as np\nSEEN = []\n"),
                                       ("regularizers", *REMEMBERING_L2)])
    tests = rubric.load(assignment.current())
    callers = [test.id for test in tests if "l2" in test.functions]  # each visibility in turn, visible first
    tests = [dataclasses.replace(test, visibility=rubric.VISIBILITIES[callers.index(test.id) % 4])
             if test.id in callers else test for test in tests]
    results, _ = grade.grade(upload, rubric_tests=tests, lanes=lanes)
    owners, said = {}, []  # digest -> visibilities of the tests given that W; (visibility, digests seen before)
    for test in results["tests"]:
        for line in test["output"].splitlines():
            words = line.split()
            if "mine" in words:
                owners.setdefault(words[words.index("mine") + 1], set()).add(test["visibility"])
                said.append((test["visibility"], words[words.index("seen") + 1:words.index("end")]))
    assert set().union(*owners.values()) == set(rubric.VISIBILITIES)
    # A child may carry on what visible tests saw (the student sees it anyway), and nothing else.
    for shown, seen in said:
        assert all(owners[digest] & {"visible", shown} for digest in seen), (shown, seen)
    if lanes is None:  # and it does: the hidden tests' child is the visible tests'
        assert any(shown == "hidden" and any("visible" in owners[d] for d in seen) for shown, seen in said)
    # What the later tests' calls printed is kept apart from what a student is shown.
    printed, later = results["extra_data"]["student_output"].split(), results["extra_data"]["student_output_later"]
    for digest, shown in owners.items():
        assert (digest in printed) == ("visible" in shown)
        assert all(digest in later[visibility].split() for visibility in shown - {"visible"})


def _chroot_command(root, out):
    """A shell script: in a private mount namespace, a chroot at root (a plain folder, not a mount
    point) holding the machine's folders, then the grading of the complete example into out."""
    binds = [entry for entry in sorted(os.listdir("/"))
             if os.path.isdir(f"/{entry}") and not os.path.islink(f"/{entry}")
             and entry not in ("proc", "sys", "dev", "tmp", "lost+found", "old_root", "mnt")]
    lines = ["set -e", "mount --make-rprivate /"]
    for entry in binds:
        lines += [f"mkdir -p {root}/{entry}", f"mount --rbind /{entry} {root}/{entry}"]
    lines += [f"ln -s {os.readlink('/' + e)} {root}/{e}" for e in os.listdir("/") if os.path.islink(f"/{e}")]
    lines += [f"mkdir -p {root}/proc {root}/dev {root}/tmp {root}{out}", f"mount -t proc proc {root}/proc",
              f"mount --rbind /dev {root}/dev", f"mount -t tmpfs tmpfs {root}/tmp", f"mkdir -p {root}{out}",
              f"mount --bind {out} {root}{out}",
              f"mkdir -p {root}{ROOT}", f"mount --rbind {ROOT} {root}{ROOT}",  # the repository, wherever it is
              f"cd {root} && chroot {root} sh -c 'cd {ROOT} && {sys.executable} -m autograder grade "
              f"{ROOT}/examples/submissions/complete --out {out}'"]
    return "\n".join(lines)


def test_a_chroot_whose_root_is_not_a_mount_point_still_gets_the_new_root(tmp_path):
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("chroot"):
        pytest.skip("needs root and util-linux's unshare and chroot")
    root, out = tmp_path / "chroot", tmp_path / "out"
    root.mkdir()
    out.mkdir()
    done = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", _chroot_command(root, out)],
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0 and "unshare failed" in done.stderr:
        pytest.skip(f"no mount namespaces here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((out / "results.json").read_text())
    isolation = results["extra_data"]["isolation"]
    assert isolation["filesystem"] == "allowlist" and isolation["root_method"] == "move", isolation
    assert isolation["level"] == "user+namespaces"
    assert results["score"] == 100


def _memory_cgroup(limit):
    """A new memory cgroup (v2, else v1) limited to limit bytes: (its folder, the file to join it),
    or None where this machine cannot make one."""
    for base, limit_file in (("/sys/fs/cgroup", "memory.max"), ("/sys/fs/cgroup/memory", "memory.limit_in_bytes")):
        folder = Path(base) / f"gradlab-test-{uuid.uuid4().hex[:8]}"
        try:
            folder.mkdir()
        except OSError:
            continue
        try:
            (folder / limit_file).write_text(str(limit))
            return folder
        except OSError:
            folder.rmdir()
    return None


def test_a_memory_bomb_in_gradescopes_768_mb_still_gets_its_results(tmp_path):
    cgroup = _memory_cgroup(768 << 20)
    if cgroup is None:
        pytest.skip("no memory cgroup can be made here (needs root and a writable cgroup file system)")
    upload = copy_reference(tmp_path / "upload", [("losses", "    ### BEGIN SOLUTION\n",
                                                   "    ### BEGIN SOLUTION\n    hog = []\n    while True:\n"
                                                   "        hog.append(np.ones(1 << 24))\n")])
    out = tmp_path / "out"
    try:
        done = subprocess.run(["sh", "-c", f'echo $$ > {cgroup}/cgroup.procs && exec "$@"', "sh", sys.executable,
                               "-m", "autograder", "grade", str(upload), "--out", str(out)],
                              cwd=ROOT, capture_output=True, text=True, timeout=300)
    finally:
        subprocess.run(["sh", "-c", f"cat {cgroup}/cgroup.procs > /dev/null"], check=False)
        try:
            cgroup.rmdir()
        except OSError:
            pass
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((out / "results.json").read_text())
    bombed = [t for t in results["tests"]
              if t["tags"][0] == "softmax_loss" and t["extra_data"]["id"].endswith("values")]
    assert bombed and bombed[0]["score"] == 0
    assert bombed[0]["extra_data"]["diagnosis"] in ("memory_limit", "timeout", "crashed")


def test_the_output_limit_is_per_call(tmp_path):
    # 1 MB printed by every call: 3 MB in all over three calls, each under the 2 MB limit of a call.
    (tmp_path / "gradlab").mkdir()
    (tmp_path / "gradlab" / "chatty.py").write_text("def talk():\n    print('x' * (1 << 20))\n    return 1\n")
    with Sandbox(tmp_path, Limits(flood_bytes=2 << 20)) as sandbox:
        replies = [sandbox.request({"op": "call", "call": {"target": "chatty.talk"}}) for _ in range(3)]
        printed = sandbox.printed()
    assert all(reply.ok for reply in replies), replies
    assert printed.endswith(f"[... {3 * ((1 << 20) + 1)} bytes were printed in all; only the first "
                            f"{Limits().output_bytes} are kept]")
