"""Grading a whole class: every submission of a folder, in parallel, into one output folder.

- entries.py: which submissions there are (a folder or a .zip per student), their content
  hashes and the deterministic split into shards.
- pool.py: runs one forked worker process per submission, JOBS at a time, with a timeout.
- progress.py: the progress bar on stderr.
- run.py: the batch itself (skip what is unchanged, record failures, write the class files)
  and the merge of shards.
- commands.py: the `batch` and `merge` subcommands of `python -m autograder`.
"""

DEFAULT_TIMEOUT = 600.0  # seconds per submission: far above any honest grading, bounds a stuck one
