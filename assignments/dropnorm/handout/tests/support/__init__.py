"""Support code of the public tests (not tests themselves, not part of the submission).

- numeric: a trusted numerical gradient, independent of the gradlab.gradcheck you write.
- otter_cases: turns the pytest tests of a file into otter test cases for grader.check.
"""
