"""Where and as whom the sandboxed child runs: decided here, applied by child/confine.py.

The grader picks the unprivileged user, the host folders the child may see (all else is absent
from its new root) and the folder it works in; the child applies what the kernel allows and
reports it back (Sandbox.isolation).
"""
import functools
import os
import pwd
import shutil
import tempfile
from pathlib import Path

STUDENT_USERS = ("autograder-student", "nobody")  # the first that exists; autograder-student is made by setup
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


def numpy_paths(site_packages):
    """numpy's own folders in site_packages (the package and the libraries its wheel brings)."""
    folder = Path(site_packages)
    return [str(folder / name) for name in ("numpy", "numpy.libs") if (folder / name).is_dir()]


@functools.lru_cache(maxsize=None)
def system_libraries():
    """The folders of the C library and the dynamic loader this interpreter runs with, and the
    loader's cache: where the standard library's extension modules find their shared libraries."""
    found = set()
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                name = os.path.basename(path)
                if path.startswith("/") and (name.startswith("libc.so") or name.startswith("ld-linux")):
                    found.add(os.path.dirname(os.path.realpath(path)))
    except OSError:
        pass
    return tuple(sorted(found)) + tuple(p for p in ("/etc/ld.so.cache",) if os.path.isfile(p))


def make_run_dir(package_root, user, package):
    """A fresh folder for one submission's children, readable by the student's user.

    Inputs:
    - package_root: Path of a folder holding the student's package as <package>/ (may be absent).
    - user: dict from student_user(), or None.
    - package: str, the package's name (the assignment's).

    Returns: Path run, with run/<package>/ (copies of the package's .py files, owned by the
    grader: the child cannot change what a later child imports), run/home/ (the child's
    working folder and HOME, its own) and run/root/ (where a child with its own mount namespace
    builds its new root).
    """
    run = Path(tempfile.mkdtemp(prefix=f"{package}-sandbox-"))
    os.chmod(run, 0o755)
    source = Path(package_root) / package
    package = run / package
    package.mkdir()
    os.chmod(package, 0o755)
    if source.is_dir() and not source.is_symlink():
        for path in sorted(source.iterdir()):
            if path.suffix == ".py" and path.is_file() and not path.is_symlink():
                shutil.copyfile(path, package / path.name)
                os.chmod(package / path.name, 0o644)
    (run / "root").mkdir()
    home = run / "home"
    home.mkdir()
    os.chmod(home, 0o700)
    if user:
        os.chown(home, user["uid"], user["gid"])
    return run


def child_config(run, user, level, limits, site_packages, assignment):
    """The settings confine.enter receives (JSON-able).

    Inputs: run (from make_run_dir), user (or None), level ("best": namespaces and a new root
    where possible; "basic": only limits, the keeper and the user switch), limits (Limits),
    site_packages (str, numpy's), assignment (the Assignment's child_config(): its package and
    modules, plain data).
    The child sees only `visible` (the worker adds its standard library's folders) and its own
    private writable folders.
    """
    visible = [str(run / assignment["package"]), *numpy_paths(site_packages), *system_libraries()]
    return {"user": user, "namespaces": level == "best", "run_dir": str(run), "home": str(run / "home"),
            "new_root": str(run / "root"), "visible": visible,
            "tmp_bytes": limits.disk_bytes, "processes": limits.processes, "assignment": assignment}


def summary(applied):
    """One word for the isolation a child had, best first."""
    contained = (applied.get("pid_namespace") and applied.get("network") == "off"
                 and applied.get("filesystem") == "allowlist")
    if applied.get("user") and contained:
        return "user+namespaces"
    if applied.get("user"):
        return "user"
    return "namespaces" if contained else "limits"
