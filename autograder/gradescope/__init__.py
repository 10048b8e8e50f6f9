"""The Gradescope autograder bundle: setup.sh, run_autograder, and what run_autograder runs.

- bundle.py builds dist/autograder.zip (`python -m autograder gradescope-bundle`).
- run.py grades ROOT/submission into ROOT/results/results.json (ROOT is /autograder, or
  $AUTOGRADER_ROOT so that a test can use a copy of the layout).
- metadata.py reads submission_metadata.json and flags late submissions.
"""
