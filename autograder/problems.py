"""Module problems: why a graded module cannot be tested at all, as a record (never read from wording)."""
import collections

# kind -> the diagnosis code every call into such a module fails with (checks/diagnosis.py).
KINDS = {
    "missing": "missing_module",          # the module's file is not in the upload (or nothing could be read)
    "not_installed": "import_error",      # it imports a package the grader does not have
    "import_error": "import_error",       # importing it raised
    "crashed": "import_error",            # the student's process died, hung or flooded while importing it
}


class ModuleProblem(collections.namedtuple("ModuleProblem", ("module", "kind", "sentence"))):
    """A graded module that cannot be tested: module (str), kind (a key of KINDS) and sentence
    (for the student). A named tuple: cheap to define at the grader's start."""
    __slots__ = ()

    def __new__(cls, module, kind, sentence):
        if kind not in KINDS:
            raise ValueError(f"module problem kind must be one of {tuple(KINDS)}, got {kind!r}")
        return super().__new__(cls, module, kind, sentence)

    @property
    def diagnosis(self):
        """The diagnosis code of a call into this module."""
        return KINDS[self.kind]
