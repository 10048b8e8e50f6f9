"""The autograder harness: grades submissions of an assignment's package (assignments/<name>/) in an
isolated child process."""
import os


def single_threaded_blas():
    """One BLAS thread per process: grading runs one worker per core, and the grader's small
    matrix products only lose time to thread start-up and contention. Call before numpy loads."""
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
