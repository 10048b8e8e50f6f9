"""The hidden tests, one module per gradlab module; CHECKS maps rubric ids to check functions."""
from . import autodiff, convergence, gradcheck, layers, losses, nets, optim, regularizers  # noqa: F401
from .framework import CHECKS

__all__ = ["CHECKS"]
