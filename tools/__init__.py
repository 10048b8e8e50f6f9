"""Build tools of the project (not shipped to students)."""
