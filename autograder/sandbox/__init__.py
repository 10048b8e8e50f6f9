"""Running student code out of the grader's process: the child, its limits and the wire format."""
from .limits import Limits
from .process import Reply, Sandbox

__all__ = ["Limits", "Reply", "Sandbox"]
