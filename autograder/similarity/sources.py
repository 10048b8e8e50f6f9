"""The assignment as the similarity report needs it: the one place it comes in.

Everything else in autograder/similarity/ takes a Sources and names no assignment.
"""
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Sources:
    """What is compared, and against what.

    - package: str, the package students submit (the folder the upload reading fills).
    - graded: tuple of str, the graded module names (the files compared).
    - handout: Path of the folder holding <package>/ as handed out (its stubs are boilerplate).
    - solutions: Path of the folder holding <package>/, the reference solutions.
    """
    package: str
    graded: tuple
    handout: Path
    solutions: Path

    def module_path(self, folder, module):
        """The path of module's file in a folder that holds <package>/."""
        return Path(folder) / self.package / f"{module}.py"


def sources(package, graded, handout, solutions):
    """A Sources from the assignment's spec (package name, graded modules, handout and solutions
    folders, each holding <package>/)."""
    return Sources(str(package), tuple(graded), Path(handout), Path(solutions))


def current():
    """The current assignment's wiring (assignment.py): its package, graded modules, handout and
    solutions folders."""
    from .. import assignment
    spec = assignment.current()
    return sources(spec.package, spec.graded, spec.handout, spec.solutions)
