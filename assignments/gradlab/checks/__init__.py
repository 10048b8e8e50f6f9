"""gradlab's hidden tests, one module per graded module; each registers its checks with @check."""
from . import autodiff, convergence, gradcheck, layers, losses, nets, optim, regularizers  # noqa: F401
from .convergence import reference_entries  # the reference's own training runs, for reference_cache

__all__ = ["reference_entries"]
