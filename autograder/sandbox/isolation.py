"""Where and as whom the sandboxed child runs: decided here, applied by child/confine.py.

The grader picks the unprivileged user, the grader's own files to hide and the folder the child
works in; the child applies what the kernel allows and reports it back (Sandbox.isolation).
"""
import os
import pwd
import shutil
import sys
import tempfile
from pathlib import Path

STUDENT_USERS = ("gradlab-student", "nobody")  # the first that exists; gradlab-student is made by setup
ROOT = Path(__file__).resolve().parents[2]  # the grader's repository (or /autograder/source on Gradescope)
LEVELS = ("best", "basic")


def student_user():
    """dict(name, uid, gid) of the user that runs student code, or None (not root, or no such user).

    Only root can switch users; then student code never runs as root.
    """
    if os.geteuid() != 0:
        return None
    for name in STUDENT_USERS:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return {"name": name, "uid": entry.pw_uid, "gid": entry.pw_gid}
    return None


def _contains(folder, path):
    folder, path = str(folder), str(path)
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def hidden_paths(keep):
    """The grader's own top-level files and folders (hidden tests, rubric, reference, other
    students' results...), except those holding a path in keep; [] if ROOT is not the grader's."""
    if not (ROOT / "autograder" / "sandbox").is_dir() or not (ROOT / "solutions").is_dir():
        return []
    return [str(entry) for entry in sorted(ROOT.iterdir())
            if not entry.is_symlink() and not any(_contains(entry, k) for k in keep)]


def make_run_dir(package_root, user):
    """A fresh folder for one submission's children, readable by the student's user.

    Inputs:
    - package_root: Path of a folder holding the student's package as gradlab/ (may be absent).
    - user: dict from student_user(), or None.

    Returns: Path run, with run/gradlab/ (copies of the package's .py files, owned by the
    grader: the child cannot change what a later child imports) and run/home/ (the child's
    working folder and HOME, its own).
    """
    run = Path(tempfile.mkdtemp(prefix="gradlab-sandbox-"))
    os.chmod(run, 0o755)
    package = run / "gradlab"
    package.mkdir()
    os.chmod(package, 0o755)
    source = Path(package_root) / "gradlab"
    if source.is_dir() and not source.is_symlink():
        for path in sorted(source.iterdir()):
            if path.suffix == ".py" and path.is_file() and not path.is_symlink():
                shutil.copyfile(path, package / path.name)
                os.chmod(package / path.name, 0o644)
    home = run / "home"
    home.mkdir()
    os.chmod(home, 0o700)
    if user:
        os.chown(home, user["uid"], user["gid"])
    return run


def child_config(run, user, level, limits, site_packages):
    """The settings confine.enter receives (JSON-able).

    Inputs: run (from make_run_dir), user (or None), level ("best": namespaces where possible;
    "basic": only limits, the keeper and the user switch), limits (Limits), site_packages (str).
    """
    needed = [str(run), site_packages]  # the worker adds its standard library's folders
    return {"user": user, "namespaces": level == "best", "run_dir": str(run), "home": str(run / "home"),
            "keep": needed, "hide": hidden_paths(needed + [sys.base_prefix, sys.prefix]),
            "tmp_bytes": limits.disk_bytes, "processes": limits.processes}


def summary(applied):
    """One word for the isolation a child had, best first."""
    contained = applied.get("pid_namespace") and applied.get("network") == "off" and applied.get("hidden_paths")
    if applied.get("user") and contained:
        return "user+namespaces"
    if applied.get("user"):
        return "user"
    return "namespaces" if contained else "limits"
