"""gradlab's hidden tests, one module per graded module; each registers its checks with @check."""
from . import autodiff, convergence, gradcheck, layers, losses, nets, optim, regularizers  # noqa: F401


def reference_entries():
    """What reference_cache keeps for gradlab: the reference's own training runs (convergence)
    and the random expression graphs (autodiff)."""
    return {**convergence.reference_entries(), **autodiff.reference_entries()}
