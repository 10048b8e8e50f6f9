"""The pre-warmed parent of every sandboxed child: Python, numpy and the worker started once.

The grader (sandbox/spawner.py) starts it as `python -I -S zygote.py SITE_PACKAGES SOCKET_FD
[CHILD_OPS]`, with nothing of the grader's on its path; CHILD_OPS is the assignment's
child_ops.py (trusted), imported here before any submission. It never runs student code. Each record on the socket
asks for one child: the zygote forks, and the fork becomes a worker as a freshly started
interpreter would (its own session and resource limits, then worker.serve, which confines it
before the submission is on its path). A fork costs a few milliseconds; starting Python and
importing numpy cost about 0.1 s.

A request is one SOCK_SEQPACKET record: JSON {"run": folder, "site_packages": str, "config":
confine's settings, "limits": {...}, "env": {...}, "cpus": processor numbers or null} with four
descriptors: [channel, request_read, answer_write, output_write]. On channel the zygote answers
{"pid": pid}, with a pidfd of the child where the kernel has them (or {"error": why} if it could
not fork), and, once the child has exited, {"status": wait status, "maxrss_kb": peak resident
memory of the child and what it waited for}; then it closes channel.
It exits when the grader's end of the socket is closed.
"""
import fcntl
import json
import os
import select
import signal
import socket
import sys
import traceback

CHANNEL_FDS = 4
FIRST_FREE_FD = 5  # the fork keeps 0-2 (stdio) and 3-4 (the grader's pipes)


def _become_worker(request, pipes, worker, confine):
    """In the fork: standard descriptors, folder, environment and limits; then serve (no return)."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the keeper waits for its children
    # Out of the way of 0-4 first, so that no dup2 below overwrites a descriptor still needed.
    request_read, answer_write, output = (fcntl.fcntl(fd, fcntl.F_DUPFD, 64) for fd in pipes)
    null = os.open(os.devnull, os.O_RDWR)
    for source, target in ((null, 0), (output, 1), (output, 2), (request_read, 3), (answer_write, 4)):
        os.dup2(source, target)
    os.closerange(FIRST_FREE_FD, os.sysconf("SC_OPEN_MAX"))  # the zygote's socket, other children's channels
    if request.get("cpus"):  # the processor of the grader's lane: its requests and answers need no wake-up elsewhere
        try:
            os.sched_setaffinity(0, request["cpus"])
        except (OSError, ValueError, TypeError):
            pass  # not one this machine has: anywhere, as the zygote
    os.chdir(request["run"])
    os.environ.clear()
    os.environ.update(request["env"])
    confine.limit_resources(request["limits"])
    worker.serve(request["run"], 3, 4, request["config"])


def _reap(children):
    """Report every exited child on its channel, then close the channel."""
    while True:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        channel = children.pop(pid, None)
        if channel is not None:
            _answer(channel, {"status": status, "maxrss_kb": usage.ru_maxrss})
            channel.close()


def _spawn(data, fds, children, worker, confine):
    """Fork one child for a request; answer its pid (and pidfd) on the request's channel, or why
    there is none."""
    if len(fds) != CHANNEL_FDS:
        for fd in fds:
            os.close(fd)
        return
    channel, pipes = socket.socket(fileno=fds[0]), fds[1:]
    try:
        pid = os.fork()
    except OSError as error:  # e.g. EAGAIN: that child fails, the zygote goes on
        pid = None
        _answer(channel, {"error": f"fork failed: {error}"})
    if pid == 0:
        try:
            channel.close()
            _become_worker(json.loads(data), pipes, worker, confine)
        except BaseException:  # noqa: BLE001 - said on stderr (the child's output, once redirected)
            traceback.print_exc()
        finally:
            os._exit(70)  # the fork must never come back into this loop
    for fd in pipes:
        os.close(fd)
    if pid is None:
        channel.close()
        return
    children[pid] = channel
    try:
        pidfd = [os.pidfd_open(pid)]
    except (AttributeError, OSError):
        pidfd = []
    _answer(channel, {"pid": pid}, pidfd)
    for fd in pidfd:
        os.close(fd)


def _answer(channel, answer, fds=()):
    try:
        socket.send_fds(channel, [json.dumps(answer).encode()], list(fds))
    except OSError:  # the grader gave up waiting
        pass


def main():
    site_packages, control = sys.argv[1], socket.socket(fileno=int(sys.argv[2]))
    here = os.path.dirname(os.path.abspath(__file__))
    # Nothing of the student's is ever on this path; the forks add the submission once confined.
    sys.path[:] = [here, site_packages] + [p for p in sys.path if "site-packages" not in p]
    sys.dont_write_bytecode = True
    import confine
    import worker  # numpy, tidy and wire with it: imported once, inherited by every fork
    if len(sys.argv) > 3:
        worker.load_child_ops(sys.argv[3])
    wake_read, wake_write = os.pipe()
    for fd in (wake_read, wake_write):
        os.set_blocking(fd, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)  # wakes the select below
    children = {}
    while True:
        readable = select.select([control, wake_read], [], [])[0]
        if wake_read in readable:
            while True:
                try:
                    if not os.read(wake_read, 512):
                        break
                except BlockingIOError:
                    break
            _reap(children)
        if control in readable:
            data, fds, _, _ = socket.recv_fds(control, 1 << 20, CHANNEL_FDS + 1)
            if not data and not fds:
                # The grader is gone; running children end when their pipes close. Nothing here
                # needs the interpreter's teardown, which would keep the grader's stderr open longer.
                os._exit(0)
            _spawn(data, fds, children, worker, confine)


if __name__ == "__main__":
    main()
