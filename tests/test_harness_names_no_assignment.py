"""The harness (autograder/, tools/) knows no assignment by name: every mention of one comes from its spec."""
from autograder import assignment
from mutate import ROOT


def names():
    """The names and packages of every assignment in assignments/ (gradlab's among them)."""
    specs = [assignment.load(p.name) for p in sorted(assignment.ASSIGNMENTS.iterdir()) if (p / assignment.SPEC).is_file()]
    return sorted({s.name.lower() for s in specs} | {s.package.lower() for s in specs})


def test_every_assignment_is_found_and_the_bundled_one_is_among_them():
    assert "gradlab" in names()


def test_no_file_of_the_harness_names_an_assignment():
    known, found = names(), []
    for folder in ("autograder", "tools"):
        for path in sorted((ROOT / folder).rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts or assignment.CACHE_DIR in path.parts:
                continue
            text = path.read_bytes().decode("utf-8", "replace").lower()
            found += [f"{path.relative_to(ROOT)}:{n}" for n, line in enumerate(text.splitlines(), 1)
                      if any(name in line for name in known)]
    assert found == [], "the harness names an assignment: " + ", ".join(found[:10])
