"""The reference solution, loaded in the grader's own (trusted) process only.

It is imported from solutions/gradlab under the name gradlab_reference, so that nothing in the
grader can mistake it for a submission, and it is never put on a child's path.
"""
import importlib.util
import sys
from functools import lru_cache
from pathlib import Path

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions" / "gradlab"
NAME = "gradlab_reference"


@lru_cache(maxsize=1)
def load():
    """The reference package; its modules are attributes (losses, layers, ...)."""
    spec = importlib.util.spec_from_file_location(NAME, SOLUTIONS / "__init__.py",
                                                  submodule_search_locations=[str(SOLUTIONS)])
    package = importlib.util.module_from_spec(spec)
    sys.modules[NAME] = package
    spec.loader.exec_module(package)
    for module in ("losses", "regularizers", "layers", "gradcheck", "optim", "nets", "autodiff", "data"):
        setattr(package, module, importlib.import_module(f"{NAME}.{module}"))
    return package
