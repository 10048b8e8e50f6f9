"""What the tests share about the project: its root, and edited copies of the reference."""
from tools.reference_copy import REFERENCE, ROOT, copy_reference

__all__ = ["REFERENCE", "ROOT", "copy_reference"]
