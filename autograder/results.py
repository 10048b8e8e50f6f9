"""Gradescope's results.json: building it from graded tests, and writing files atomically."""
import json
import os
import tempfile
from pathlib import Path

SCHEMA_FIELDS = ("score", "max_score", "status", "name", "output", "tags", "visibility", "extra_data")


def grader_name(spec):
    """extra_data.grader of every results.json this grader writes for the Assignment spec: str."""
    return f"{spec.name} autograder"


def write_atomic(path, text):
    """Write text to path so that readers see the old file or the new one, never a part.

    Text that UTF-8 cannot hold (lone surrogates, e.g. from a file name that is not UTF-8) is
    written as backslash escapes rather than losing the whole file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(text)
        os.chmod(temporary, 0o644)  # mkstemp makes 0600; reports are for the course staff to read
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def build(graded, execution_time, output, extra_data):
    """The results.json document.

    Inputs:
    - graded: list of dicts with the keys of SCHEMA_FIELDS, one per test, in rubric order.
    - execution_time: float seconds (a number, as the specification says).
    - output: str, Markdown shown to the student above the tests.
    - extra_data: dict stored with the submission.

    Returns: dict.
    """
    return {
        "score": round(sum(test["score"] for test in graded), 4),
        "execution_time": round(float(execution_time), 3),
        "output": output,
        "output_format": "md",
        "test_output_format": "text",  # tests' outputs hold student text: shown as it is, never as markup
        "stdout_visibility": "hidden",
        "tests": [{key: test[key] for key in SCHEMA_FIELDS if key in test} for test in graded],
        "extra_data": extra_data,
    }


_ENCODE = json.JSONEncoder(allow_nan=False).encode  # without indent: json's C encoder, 3 to 4 times faster


def dumps(results):
    """Stable JSON text of a results document (keys in input order): one line per top-level key
    and per test, so that a diff of two results.json shows which tests changed."""
    def entry(key, value):
        if key == "tests" and isinstance(value, list) and value:
            value_text = "[\n" + ",\n".join("  " + _ENCODE(test) for test in value) + "\n ]"
        else:
            value_text = _ENCODE(value)
        return f" {_ENCODE(key)}: {value_text}"
    return "{\n" + ",\n".join(entry(key, value) for key, value in results.items()) + "\n}\n"
