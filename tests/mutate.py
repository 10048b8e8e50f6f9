"""What the tests share about the project: its root, edited copies of the reference, and where
the current assignment's reference and mutation suite are."""
from autograder import assignment
from tools.reference_copy import ROOT, copy_reference

__all__ = ["ROOT", "copy_reference", "diagnoses", "part", "reference", "suite"]


def reference():
    """Path of the current assignment's reference package."""
    return assignment.current().reference_dir


def suite():
    """Path of the current assignment's mutation suite (mutants.toml, variants/, equivalent.toml)."""
    return assignment.current().mutants


def part(name, spec=None):
    """The assignment's module `name` (e.g. "checks.convergence", "child_ops"), imported in this
    trusted process: its checks and fixtures, for the tests that look inside them."""
    return (assignment.current() if spec is None else spec).import_part(name)


def diagnoses():
    """Every diagnosis code of the current assignment (the harness's and its own): dict code -> meaning."""
    from autograder.checks.diagnosis import vocabulary
    assignment.current().checks()  # registers the assignment's codes
    return vocabulary()
