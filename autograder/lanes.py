"""Lanes: one submission's tests spread over several sandboxed children that run at once.

A lane is a list of tests of one visibility, graded in rubric order in a Sandbox of its own
(its own children and disabled functions), each lane in a thread of the grading process
(run_at_once): while one lane's child runs the student's training, another lane's checks go on.
The split is a fixed function of the tests' declared seconds (plan), never of timings, and lane
k runs on the k-th processor (processors): the same submission gets the same lanes on every run
with the same number of lanes.

Each lane runs on a processor of its own, its thread and its children pinned to it (pinned,
Sandbox.cpus): a grading is a long exchange of small requests and answers, and on a virtual
machine every wake-up of a process on another, idle processor costs far more than the request.

How many lanes (usable): one per processor this process may use, as the scheduler and the
cgroup's CPU quota allow (Gradescope's default container, half a CPU, gets one), and no more
than fit the cgroup's memory beside the grader (each child may use Limits.memory_bytes).
"""
import os
import threading
from contextlib import contextmanager
from pathlib import Path

CGROUPS, CGROUP_ROOT = Path("/proc/self/cgroup"), Path("/sys/fs/cgroup")  # where the kernel says them
MAX_AUTO = 2  # past two, lanes share the grader's one interpreter (its checks) and gain little
GRADER_BYTES = 128 << 20  # the grading process itself, with room
CHILD_SECONDS = 0.05  # a new child's start with its imports, in tests' seconds (a lane that needs one does less)


def _folders(controller):
    """The folders that may hold this process's cgroup files for controller (v2's unified
    hierarchy, or v1's mount of that controller): its own cgroup's path, then the mount's root,
    which is what a container sees of its own cgroup."""
    try:
        lines = CGROUPS.read_text().splitlines()
    except OSError:
        return
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers and controller not in controllers.split(","):
            continue
        mount = CGROUP_ROOT / controllers
        yield mount / path.lstrip("/")
        yield mount


def _words(path):
    try:
        return path.read_text().split()
    except OSError:
        return None


def _cpu_quota():
    """The processors' worth of time the cgroup grants (float), or None if it sets no quota."""
    for folder in _folders("cpu"):
        v2, v1 = _words(folder / "cpu.max"), _words(folder / "cpu.cfs_quota_us")
        if v2:
            return None if v2[0] == "max" else int(v2[0]) / int(v2[1])
        if v1:
            return None if int(v1[0]) <= 0 else int(v1[0]) / int(_words(folder / "cpu.cfs_period_us")[0])
    return None


def _memory_limit():
    """The cgroup's memory limit in bytes, or None if it sets none."""
    for folder in _folders("memory"):
        words = _words(folder / "memory.max") or _words(folder / "memory.limit_in_bytes")
        if words:
            return int(words[0]) if words[0].isdigit() else None
    return None


def usable(limits, most=MAX_AUTO):
    """The number of lanes this machine gives a grading: int from 1 to most.

    Inputs: limits (Limits: its memory_bytes per child); most (int, the cap).
    """
    lanes = len(os.sched_getaffinity(0))
    try:
        quota, memory = _cpu_quota(), _memory_limit()
    except (ValueError, IndexError, TypeError):  # a cgroup file of an unexpected form: no parallel lanes
        return 1
    if quota is not None:
        lanes = min(lanes, int(quota))
    if memory is not None:
        lanes = min(lanes, (memory - GRADER_BYTES) // limits.memory_bytes)
    return max(1, min(most, lanes))


def processors(count):
    """count processor numbers for the lanes: lane k on the k-th processor this process may use
    (in order, repeating when there are fewer), the same on every run.

    Returns: list of count ints.
    """
    allowed = sorted(os.sched_getaffinity(0))
    return [allowed[k % len(allowed)] for k in range(count)]


def run_at_once(job, count, cpus):
    """[job(0), ..., job(count - 1)], run at once: job(0) in this thread, each other in a thread of
    its own pinned to cpus[k] (None: unpinned); an exception of any job is raised here once every
    job has ended.

    Inputs: job (function of the lane number k); count (int >= 1); cpus (list of at least count
    processor numbers or Nones).
    Returns: list of the jobs' results, in lane order.
    """
    outcomes = [None] * count

    def run(k):
        try:
            with pinned(cpus[k] if k else None):
                outcomes[k] = (True, job(k))
        except BaseException as error:  # noqa: BLE001 - raised again below, in the calling thread
            outcomes[k] = (False, error)

    threads = [threading.Thread(target=run, args=(k,), name=f"lane-{k}") for k in range(1, count)]
    for thread in threads:
        thread.start()
    run(0)
    for thread in threads:
        thread.join()
    for done, value in outcomes:
        if not done:
            raise value
    return [value for _, value in outcomes]


def pinned_here():
    """The lanes of a process that runs on one processor only (the batch's pool pins each worker
    to a processor of its own): [that processor], else None (one lane, unpinned)."""
    allowed = os.sched_getaffinity(0)
    return sorted(allowed) if len(allowed) == 1 else None


@contextmanager
def pinned(cpu):
    """Run the calling thread on processor cpu (an int, or a set of them; None: where it runs now)
    inside the block."""
    if cpu is None:
        yield
        return
    before = os.sched_getaffinity(0)
    try:
        os.sched_setaffinity(0, {cpu} if isinstance(cpu, int) else cpu)
    except OSError:  # not allowed here: run unpinned
        yield
        return
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def plan(tests, count, loads=None):
    """Split tests over at most count lanes, longest first onto the least loaded lane (ties: the
    earlier test, the lower lane).

    Inputs: tests (list of RubricTest, each with .seconds); count (int >= 1); loads (list of count
    seconds each lane has to do first, e.g. start a child; default none).
    Returns: list of count lists of RubricTest (lane k the one loads[k] is for; some may be
    empty), each in the order of tests.
    """
    count = max(1, count)
    lanes, loads = [[] for _ in range(count)], list(loads or [0.0] * count)
    position = {test.id: i for i, test in enumerate(tests)}
    for test in sorted(tests, key=lambda t: (-t.seconds, position[t.id])):
        lane = min(range(count), key=lambda k: (loads[k], k))
        lanes[lane].append(test)
        loads[lane] += test.seconds
    return [sorted(lane, key=lambda t: position[t.id]) for lane in lanes]
