"""Resource limits of the sandboxed child: set by the child itself (child/confine.py), most as
the zygote's fork starts, the number of processes once it runs as the student's user."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """What one child may use.

    - call_seconds: wall-clock time of one call before the child is killed.
    - cpu_seconds: CPU time of the child's whole life (RLIMIT_CPU).
    - memory_bytes: address space (RLIMIT_AS).
    - file_bytes: size of any file it writes (RLIMIT_FSIZE).
    - processes: processes and threads of its user (RLIMIT_NPROC), set after the switch to the
      student's user (the kernel does not apply it to root).
    - disk_bytes: size of each private in-memory file system (home, /tmp, ...) when the child
      has its own mount namespace.
    - output_bytes: stdout + stderr kept for the report, for the whole submission.
    - flood_bytes: output of one call past which the child is stopped (that call fails).
    - total_seconds: wall clock of all the submission's requests together (starting children,
      calls, decoding answers, stopping children); once used up, the remaining requests fail at once.
    """
    call_seconds: float = 2.0
    cpu_seconds: int = 60
    memory_bytes: int = 512 << 20  # with the grader (~60 MB) and 4 private file systems, inside Gradescope's 768 MB
    file_bytes: int = 1 << 20
    processes: int = 64
    output_bytes: int = 8 << 10
    flood_bytes: int = 4 << 20
    disk_bytes: int = 16 << 20
    total_seconds: float = 120.0
