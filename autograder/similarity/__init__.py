"""Similarity report: which students' graded modules share code (docs/tas.md, "Similarity").

The graded modules of every upload (read as text by the grader's own upload reading, never
imported) are fingerprinted with copydetect's winnowing after its tokenizer has replaced names
and strings; the handout's stubs are boilerplate, the reference solutions and earlier terms'
submissions are compared with every student. The report ranks the pairs above a threshold and
shows the matching code side by side. It never changes a score.

- sources.py: the one place where the assignment comes in (package, graded modules, folders).
- texts.py: an upload's graded modules as bounded text, with notes on what was left out.
- compare.py: fingerprints and pairwise scores.
- views.py: the side-by-side page of one pair.
- report.py: the comparison of a class, similarity.json and the pages.
- section.py: the section of summary.html (and of the pages' index), from similarity.json.
- command.py: `python -m autograder similarity`.
"""

# The default score from which a pair is listed, measured (docs/tas.md): disguised copies of
# whole submissions score at least 0.86, independent honest solutions at most 0.45.
THRESHOLD = 0.6
