"""One definition, two runners: pytest tests that otter's grader.check also runs.

Each public test file tests/qN.py is an ordinary pytest module (plain test_* functions without
arguments) and, with OK_FORMAT = False and name = "qN" at its top and
`globals().update(otter_cases(globals()))` at its bottom, an otter Python-format test file:
otter collects the test_case objects it finds among the file's globals, so grader.check("qN")
runs exactly the functions pytest runs.
"""
import sys


def otter_cases(namespace):
    """Wrap the test functions of a test file as otter test cases.

    Input:
    - namespace: dict, the globals of a test file.

    Returns:
    - cases: dict mapping "_otter_<test name>" to an otter test_case running that test_*
      function, to be merged into the file's globals (the leading underscore keeps pytest away).
      Empty when otter is not loaded: then otter is not the one reading the file, and pytest
      neither needs otter nor pays for importing it.
    """
    if "otter" not in sys.modules:
        return {}
    from otter.test_files import test_case
    return {f"_otter_{name}": test_case(name=name)(function)
            for name, function in list(namespace.items())
            if name.startswith("test_") and callable(function)}
