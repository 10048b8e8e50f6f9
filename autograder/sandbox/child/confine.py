"""Confining the sandboxed child before any student code is on its path.

worker.py calls enter(config) once at start-up. Each step below is taken where the kernel and
the grader's privileges allow it, skipped otherwise, and reported (the dict enter returns):

- Namespaces (when started as root): a PID namespace, so that everything the student starts,
  also a daemon that calls setsid, dies with it; an empty network namespace (no network); an
  IPC namespace; and a mount namespace with a new root (pivot_root): an in-memory file system
  holding only an allowlist of the host's folders, read-only (the standard library, numpy, the
  submission, the system's shared libraries), and private, size-limited /tmp, /var/tmp,
  /dev/shm and home. Nothing else of the host (other users' files, other uploads, the grader's
  own files) exists in it.
- An unprivileged user (when started as root): the student's code runs as that user, with no
  capabilities and no way to regain any (no_new_privs).
- Always: its own session and process group, resource limits (limit_resources, applied by the
  zygote's fork before enter), RLIMIT_NPROC, a parent-death signal, and a keeper that kills
  everything the student started when the worker ends.

Processes: the keeper (the zygote's fork, which the grader signals; stays outside the PID namespace,
waits, and cleans up on SIGTERM or when the worker ends, then exits with the worker's status),
the namespace's init (PID 1; only reaps, and killing it kills the whole namespace), and the
worker, which returns from enter() and runs the student's code. Without a PID namespace there
is no init: the keeper is a child subreaper, so orphaned processes come back to it.
"""
import ctypes
import errno
import os
import resource
import select
import signal
import sys
import time

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x08000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 0x1, 0x2, 0x4, 0x8, 0x20
MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 0x1000, 0x2000, 0x4000, 0x40000
MNT_DETACH = 0x2
PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 1, 36, 38
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}  # syscall numbers (glibc has no wrapper)
WRITABLE_IN_ROOT = ("/tmp", "/var/tmp", "/dev/shm")  # private, size-limited, in the new root
DEVICES = ("null", "zero", "random", "urandom")
COVERED = ("site-packages", "dist-packages", "ensurepip/_bundled")  # never visible inside a visible folder
                                                                     # (the last holds pip's wheels)
SWEEP_SECONDS = 2.0  # within the grader's patience (process.STOP_SECONDS)

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
_libc.unshare.argtypes = [ctypes.c_int]
_libc.syscall.argtypes = [ctypes.c_long, ctypes.c_char_p, ctypes.c_char_p]
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]


def _check(result, what):
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def _bytes(text):
    return None if text is None else os.fsencode(text)


def _mount(source, target, fstype, flags, data=None):
    _check(_libc.mount(_bytes(source), _bytes(target), _bytes(fstype), flags, _bytes(data)), f"mount {target}")


def _prctl(option, value):
    _check(_libc.prctl(option, value, 0, 0, 0), f"prctl {option}")


def _unshare(wanted):
    """The namespaces among wanted that could be created (all at once, else one by one)."""
    if _libc.unshare(wanted) == 0:
        return wanted
    got = 0
    for flag in (CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWNS):
        if wanted & flag and _libc.unshare(flag) == 0:
            got |= flag
    return got


def _under(path, folder):
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _outermost(paths):
    """The existing paths among paths that no other of them contains, sorted."""
    kept = []
    for path in sorted(set(p.rstrip("/") or "/" for p in paths), key=len):
        if os.path.lexists(path) and not any(_under(path, k) for k in kept):
            kept.append(path)
    return sorted(kept)


def _make_private():
    """Stop mount events propagating between this mount namespace and the host's: nothing mounted
    here leaks out, nothing leaks in. Inside a chroot whose "/" is not a mount point this cannot be
    asked of "/" (EINVAL): the mounts are then left as they are (private already where the chroot
    was made with private mounts; if they are shared, moving the new root fails and the child
    reports the host's file system)."""
    try:
        _mount(None, "/", None, MS_REC | MS_PRIVATE)
    except OSError as error:
        if error.errno != errno.EINVAL:
            raise


def _pivot(root):
    """Make root (a mount point) this mount namespace's "/", and drop the old root from it.

    pivot_root needs the current root to be a mount point; inside a chroot whose "/" is a plain
    folder it fails, and the new root is moved over "/" instead (as switch_root does): the old
    tree then stays below it, out of reach of a process without CAP_SYS_CHROOT. Returns the
    method used ("pivot_root" or "move")."""
    os.chdir(root)
    number = PIVOT_ROOT.get(os.uname().machine)
    if number is not None:
        os.mkdir(".old", 0o700)
        if _libc.syscall(number, b".", b".old") == 0:
            os.chdir("/")
            _check(_libc.umount2(b"/.old", MNT_DETACH), "umount the old root")
            os.rmdir("/.old")
            return "pivot_root"
        os.rmdir(".old")
    _mount(".", "/", None, MS_MOVE)
    os.chroot(".")
    os.chdir("/")
    return "move"


def _new_root(config, owner, applied, own_proc):
    """In the new mount namespace: a new root file system that holds only what the plan allows.

    Inputs: config (see enter), owner (uid, gid) of the home, applied (the report, updated),
    own_proc (bool: the worker will mount a /proc of its PID namespace; else the host's is bound).

    The root is an in-memory file system holding, at their own paths: the folders and files of
    config["visible"] bound read-only (the standard library, numpy, the submission, the system's
    shared libraries), with any site-packages or dist-packages inside them covered by an empty
    one; /dev/null, /dev/zero, /dev/random and /dev/urandom; and writable, size-limited private
    /tmp, /var/tmp, /dev/shm and home. Nothing else of the host is in it.
    Raises OSError if any step fails (the caller then reports the error; nothing is half-applied
    in a way that could widen what the student sees: the namespace's old root stays as it was).
    """
    root = config["new_root"]
    size = f"size={config['tmp_bytes']},nr_inodes=4096"
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=4096,mode=755")

    def inside(path):
        return root + path

    for path in WRITABLE_IN_ROOT:
        os.makedirs(inside(path), 0o755, exist_ok=True)
        _mount("tmpfs", inside(path), "tmpfs", MS_NOSUID | MS_NODEV, f"{size},mode=1777")
    visible = _outermost(config["visible"])
    for path in visible:
        target = inside(path)
        if os.path.isdir(path):
            os.makedirs(target, 0o755, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(target), 0o755, exist_ok=True)
            open(target, "a").close()
        _mount(path, target, None, MS_BIND)
        _mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
        for name in COVERED if os.path.isdir(path) else ():
            if os.path.isdir(os.path.join(path, name)):  # e.g. the interpreter's own site-packages
                _mount("tmpfs", os.path.join(target, name), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                       "size=4k,nr_inodes=1,mode=555")
    os.makedirs(inside("/dev"), 0o755, exist_ok=True)
    for name in DEVICES:
        open(inside(f"/dev/{name}"), "a").close()
        _mount(f"/dev/{name}", inside(f"/dev/{name}"), None, MS_BIND)
    for name in os.listdir("/"):  # merged /usr: /lib -> usr/lib, so that the loader finds libraries
        if name.startswith("lib") and os.path.islink(f"/{name}") and not os.path.lexists(inside(f"/{name}")):
            os.symlink(os.readlink(f"/{name}"), inside(f"/{name}"))
    os.makedirs(inside("/proc"), 0o555, exist_ok=True)
    if not own_proc:
        _mount("/proc", inside("/proc"), None, MS_BIND | MS_REC)
    home = inside(config["home"])
    os.makedirs(home, 0o755, exist_ok=True)
    uid, gid = owner
    _mount("tmpfs", home, "tmpfs", MS_NOSUID | MS_NODEV, f"{size},mode=700,uid={uid},gid={gid}")
    method = _pivot(root)
    _mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    applied.update(filesystem="allowlist", root_method=method, private_tmp=list(WRITABLE_IN_ROOT),
                   home_in_memory=True,  # the submission's folder by name: the same in every run
                   visible_paths=[p.replace(config["run_dir"], "<sandbox>") for p in visible])


def _reap_forever(alive):
    """Body of the PID namespace's init: reap orphans until killed (which ends the namespace)."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps children of an init that ignores SIGCHLD
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if select.select([alive], [], [], 0)[0]:  # the keeper died before the line above took effect
        os._exit(0)
    while True:
        signal.pause()


def _children(pid):
    """Pids whose parent is pid, from /proc (only meaningful with the host's /proc)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        pass
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid:
                found.append(int(name))
    return found


def _sweep(me, scan, killed):
    """Wait until no child is left; with scan, SIGKILL every child first (orphans come back here).

    killed: pids of children already sent SIGKILL, waited for first, in any order (a namespace's
    init finishes dying only once the worker, our child, is reaped)."""
    left = set(killed)
    while left:
        try:
            left.discard(os.waitpid(-1, 0)[0])
        except ChildProcessError:
            break
    deadline = time.monotonic() + SWEEP_SECONDS
    while time.monotonic() < deadline:
        if scan:
            for pid in _children(me):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            return
        time.sleep(0.002)


class _Stop(Exception):
    """The grader asked the keeper to stop (SIGTERM)."""


def _keep(worker, init, stopped):
    """Body of the keeper: wait for the worker or SIGTERM, kill all that is left, mirror the status."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)

    def stop(signum, frame):
        raise _Stop()

    def pass_on(signum, frame):  # the grader asks a timed-out worker where it is stuck
        try:
            os.kill(worker, signum)
        except ProcessLookupError:
            pass
    status = None
    try:
        signal.signal(signal.SIGUSR1, pass_on)
        signal.signal(signal.SIGTERM, stop)
        if stopped:
            raise _Stop()
        while status is None:
            pid, code = os.waitpid(-1, 0)  # also reaps orphans handed to us as a subreaper
            if pid == worker:
                status = code
    except (_Stop, ChildProcessError):
        pass
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    # Killing the namespace's init kills every process in it. Without one, the worker's process
    # group goes at once (a fork bomb cannot outrun a signal to its group); then what escaped it.
    for kill, pid in ((os.kill, init), (os.killpg, worker), (os.kill, worker)):
        try:
            if pid:
                kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    # Without a PID namespace, escaped descendants are found through the host's /proc. With one,
    # /proc shows the namespace's numbering, so it must not be used to pick pids to kill.
    _sweep(os.getpid(), scan=init is None, killed=[pid for pid in (init, worker if status is None else None) if pid])
    if status is not None and os.WIFSIGNALED(status):  # die of the same signal, for the grader's message
        number = os.WTERMSIG(status)
        if number not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
    os._exit(os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else 0)


def limit_resources(limits):
    """Its own session, then the resource limits of the whole child (inherited by all it starts).

    limits: dict with cpu_seconds, memory_bytes and file_bytes (see sandbox/limits.py); no core files.
    """
    os.setsid()  # its own session and process group, apart from the grader's
    for which, value in ((resource.RLIMIT_CPU, limits["cpu_seconds"]), (resource.RLIMIT_AS, limits["memory_bytes"]),
                         (resource.RLIMIT_FSIZE, limits["file_bytes"]), (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(which, (value, value))


def _limit_processes(count):
    """RLIMIT_NPROC for the student's user: it counts every process and thread of that user."""
    hard = resource.getrlimit(resource.RLIMIT_NPROC)[1]
    if os.geteuid() != 0 and hard != resource.RLIM_INFINITY:
        count = min(count, hard)
    resource.setrlimit(resource.RLIMIT_NPROC, (count, count))


def _open_folders(paths):
    """Descriptors of the folders among paths, opened while still privileged: dict path -> fd."""
    opened = {}
    for path in paths:
        if os.path.isdir(path):
            try:
                opened[path] = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
            except OSError:
                pass
    return opened


# The kernel's keyrings belong to a user id, in no namespace: a key the student's user adds outlives
# the child and reaches its later children and later gradings (an independent review carried a
# hidden test's input into the next grading's visible test that way). A seccomp filter makes
# add_key, request_key and keyctl fail with EPERM, as Docker's default profile does, and every
# system call of another ABI (x86_64's 32-bit and x32 entries), which Python never makes.
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
KEYRING_CALLS = {"x86_64": (0xC000003E, (248, 249, 250)), "aarch64": (0xC00000B7, (217, 218, 219))}


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _deny_keyrings():
    """Install the seccomp filter above (after no_new_privs). Returns True if the kernel took it."""
    known = KEYRING_CALLS.get(os.uname().machine)
    if known is None:
        return False
    audit_arch, calls = known
    load, equal, at_least, answer = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, JMP|JEQ|K, JMP|JGE|K, RET|K
    allow, refuse = 0x7FFF0000, 0x00050000 | errno.EPERM  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO
    deny = 5 + len(calls) + 1  # the index of the last instruction
    program = [(load, 0, 0, 4), (equal, 1, 0, audit_arch), (answer, 0, 0, refuse),  # seccomp_data.arch
               (load, 0, 0, 0), (at_least, deny - 5, 0, 0x40000000)]  # .nr; x32's bit
    program += [(equal, deny - (6 + i), 0, number) for i, number in enumerate(calls)]
    program += [(answer, 0, 0, allow), (answer, 0, 0, refuse)]
    filters = (_SockFilter * len(program))(*[_SockFilter(*op) for op in program])
    fprog = _SockFprog(len(program), filters)
    try:
        if _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0) != 0:
            return False
    except (OSError, ctypes.ArgumentError):
        return False
    return True


def _become_student(config, applied, keeper, in_namespace, own_proc, sys_path):
    """In the worker: own process group, /proc of its namespace, limits, then the switch of user.

    sys_path entries that the new user cannot reach (the interpreter may live where only the
    grader can go, e.g. under /root) become /proc/self/fd/N of a folder opened before the switch.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.setpgid(0, 0)
    if own_proc:
        try:
            _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
            applied["own_proc"] = True
        except OSError:
            pass
    _limit_processes(config["processes"])
    opened = _open_folders(sys_path)
    user = config["user"]
    if user and os.geteuid() == 0:
        os.setgroups([])
        os.setgid(user["gid"])
        os.setuid(user["uid"])  # real, effective and saved ids: root's capabilities are gone for good
        applied["user"] = user["name"]
    try:
        _prctl(PR_SET_NO_NEW_PRIVS, 1)  # no setuid binary can give any privilege back
        applied["no_new_privileges"] = True
        applied["keyrings"] = "denied" if _deny_keyrings() else "open"
    except OSError:
        pass
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # cleared by the switch of user, so set after it
    if not in_namespace and os.getppid() != keeper:
        os._exit(1)  # the keeper is already gone
    moved = {}  # unreachable folder -> the same folder through its descriptor
    for path, fd in opened.items():
        if os.access(path, os.R_OK | os.X_OK):
            os.close(fd)
        else:
            moved[path] = f"/proc/self/fd/{fd}"
    if moved:
        _follow(moved, sys_path)
    os.chdir(config["home"])


def _follow(moved, sys_path):
    """Point sys_path and the search paths of packages imported so far (e.g. importlib, whose
    submodules load later) at the moved folders; dict moved maps an old folder to its new path."""
    def new(path):
        for old, there in moved.items():
            if _under(path, old):
                return there + path[len(old):]
        return path
    sys_path[:] = [new(p) for p in sys_path]
    for module in list(sys.modules.values()):
        search = getattr(module, "__path__", None)
        if isinstance(search, list):
            search[:] = [new(p) if isinstance(p, str) else p for p in search]


def enter(config, channel, sys_path):
    """Confine this process; return in the worker only.

    Inputs:
    - config: dict with
      user (dict name, uid, gid, or None to keep the current user; used only when root),
      namespaces (bool: try namespaces and the new root; used only when root),
      run_dir (folder holding the package), home (the one writable folder of its own),
      new_root (an empty folder where the new root is built),
      visible (the only host folders and files the child sees, read-only: the standard library,
      numpy, the submission, the system's shared libraries), tmp_bytes (size of each private
      file system), processes (RLIMIT_NPROC).
    - channel: the file descriptors of the pipes to the grader (only the worker keeps them).
    - sys_path: the worker's sys.path list, edited in place if the user switch needs it.

    Returns: dict, what was applied (reported to the grader as isolation).
    """
    stopped = []
    signal.signal(signal.SIGTERM, lambda signum, frame: stopped.append(signum))
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)  # until the keeper can pass it on
    applied = {"separate_process": True, "user": None, "pid_namespace": False, "network": "on",
               "ipc_namespace": False, "filesystem": "host", "private_tmp": [], "home_in_memory": False,
               "no_new_privileges": False, "keyrings": "open", "own_proc": False}
    keeper = os.getpid()
    root = os.geteuid() == 0
    try:
        _prctl(PR_SET_CHILD_SUBREAPER, 1)
    except OSError:
        pass
    spaces = 0
    if config["namespaces"] and root:
        spaces = _unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC)
    applied["network"] = "off" if spaces & CLONE_NEWNET else "on"
    applied["ipc_namespace"] = bool(spaces & CLONE_NEWIPC)
    new_root = False
    if spaces & CLONE_NEWNS:
        user = config["user"] if root else None
        owner = (user["uid"], user["gid"]) if user else (os.getuid(), os.getgid())
        try:
            _make_private()
            _new_root(config, owner, applied, own_proc=bool(spaces & CLONE_NEWPID))
            new_root = True
        except OSError as error:
            applied["filesystem_error"] = str(error)
    alive_read, alive_write = os.pipe()
    init = None
    if spaces & CLONE_NEWPID:
        init = os.fork()
        if init == 0:
            for fd in (*channel, alive_write):
                os.close(fd)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            _reap_forever(alive_read)
        applied["pid_namespace"] = True
    worker = os.fork()
    if worker == 0:
        os.close(alive_read)
        os.close(alive_write)
        _become_student(config, applied, keeper, init is not None, init is not None and new_root, sys_path)
        return applied
    for fd in (*channel, alive_read):
        os.close(fd)
    _keep(worker, init, stopped)  # keeps alive_write open until it exits: the init watches it
