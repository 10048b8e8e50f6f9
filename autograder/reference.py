"""The assignment's reference solution, loaded in the grader's own (trusted) process only.

It is imported from <solutions>/<package> under the name <package>_reference, so that nothing
in the grader can mistake it for a submission, and it is never put on a child's path.
"""
import importlib
import importlib.util
import sys
from functools import lru_cache

from . import assignment


def load(spec=None):
    """The reference package of the Assignment spec (default the current one, assignment.py); its
    modules are attributes (every graded and provided module)."""
    return _load(assignment.current() if spec is None else spec)


@lru_cache(maxsize=None)
def _load(spec):
    source = spec.reference_dir
    spec_of = importlib.util.spec_from_file_location(spec.reference_name, source / "__init__.py",
                                                     submodule_search_locations=[str(source)])
    package = importlib.util.module_from_spec(spec_of)
    sys.modules[spec.reference_name] = package
    spec_of.loader.exec_module(package)
    for module in spec.modules:
        setattr(package, module, importlib.import_module(f"{spec.reference_name}.{module}"))
    return package
