"""docs/instructors.md, "Adding a graded function", followed step by step on a scratch copy: the
new test appears with its points, full for the reference, zero for a stub."""
import json
import re
import shutil
import subprocess
import sys

from mutate import ROOT

DOC = (ROOT / "docs" / "instructors.md").read_text(encoding="utf-8")
FUNCTION = '''

def cube(x):
    """Elementwise cube: out = x ** 3.

    Input:
    - x: float array of any shape.

    Returns: out, a float64 array with the shape of x. The input array is not modified.
    """
    ### BEGIN SOLUTION
    # HINT: ** works elementwise.
    return x ** 3
    ### END SOLUTION
'''
CHECK = '''

@check("cube.values", points=3, visibility="visible", functions=["cube"], name="cube: values")
def cube_values(t):
    for seed in range(2):
        with t.case(f"random case {seed}"):
            x = rng_for("cube", seed).standard_normal((3, 4))
            check_value_call(t, "layers.cube", [x], (t.ref.layers.cube(x.copy()),))
'''


def recipe():
    """The recipe's numbered steps, each as (the first path it names, its text)."""
    section = DOC.split("\n## Adding a graded function\n", 1)[1].split("\n## ", 1)[0]
    steps = re.findall(r"^\d+\. (.+?)(?=^\d+\. |\Z)", section, re.M | re.S)
    return [(re.search(r"`([^`]+)`", step).group(1), step) for step in steps]


def run(*args, cwd=ROOT):
    done = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_the_recipe_names_two_files_to_edit_and_two_generators():
    assert [first for first, _ in recipe()] == [
        "<solutions>/<package>/<module>.py", "assignments/<name>/checks/<module>.py", "make assignment",
        "make examples"]


def test_adding_a_function_by_the_recipe_grades_it(tmp_path):
    # A scratch copy: the solutions and the assignment folder, where the spec's paths find them.
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "assignments" / "gradlab", tmp_path / "assignments" / "gradlab",
                    ignore=shutil.ignore_patterns("__pycache__", "reference_cache"))
    folder = tmp_path / "assignments" / "gradlab"
    steps = recipe()
    # Step 1: the function with its solution block, in <solutions>/<package>/<module>.py.
    assert "### BEGIN SOLUTION" in steps[0][1] and "# HINT:" in steps[0][1]
    module = tmp_path / "solutions" / "gradlab" / "layers.py"
    module.write_text(module.read_text() + FUNCTION)
    # Step 2: the check, its rubric entry in its decorator, in assignments/<name>/checks/<module>.py.
    assert "@check(" in steps[1][1] and "points=" in steps[1][1]
    checks = folder / "checks" / "layers.py"
    checks.write_text(checks.read_text() + CHECK)
    # Steps 3 and 4: the generators, as `make assignment` and `make examples` run them.
    assert "tools.make_assignment --assignment" in steps[2][1] and "tools.make_examples --assignment" in steps[3][1]
    run("-m", "tools.make_assignment", "--assignment", str(folder))
    run("-m", "tools.make_examples", "--assignment", str(folder))
    stub = (tmp_path / "assignment" / "gradlab" / "layers.py").read_text()
    assert "def cube(x):" in stub and "** works elementwise" in stub and "return x ** 3" not in stub

    examples = tmp_path / "examples" / "submissions"
    graded = {}
    for example in ("complete", "empty"):
        run("-m", "autograder", "grade", str(examples / example), "--out", str(tmp_path / example),
            "--assignment", str(folder))
        document = json.loads((tmp_path / example / "results.json").read_text())
        graded[example] = {t["extra_data"]["id"]: t for t in document["tests"]}
        assert sum(t["max_score"] for t in document["tests"]) == 103  # gradlab's 100 and the new 3
    for example, score in (("complete", 3), ("empty", 0)):
        test = graded[example]["cube.values"]
        assert (test["name"], test["max_score"], test["score"], test["visibility"]) == (
            "cube: values", 3, score, "visible")
    assert "cube is not implemented yet" in graded["empty"]["cube.values"]["output"]
