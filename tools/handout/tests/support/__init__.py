"""Support code of the public tests (not tests themselves, not part of the submission).

- contract: sentences naming the function when a result is of the wrong kind.
- numeric: a trusted numerical gradient, independent of any gradient checker you write.
- otter_cases: turns the pytest tests of a file into otter test cases for grader.check.
"""
