# gradlab: every target sets up what it needs by itself.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# The assignment every target works on: a folder name under assignments/ or a folder's path.
ASSIGNMENT ?= gradlab
A := --assignment $(ASSIGNMENT)
# Its example submissions and the class's output, unless given: gradlab's at the top
# (examples/submissions, reports/), another's in its folder (its spec's examples) and reports-NAME/.
SUBMISSIONS ?= $(if $(filter gradlab,$(ASSIGNMENT)),examples/submissions,assignments/$(ASSIGNMENT)/examples/submissions)
OUT ?= $(if $(filter gradlab,$(ASSIGNMENT)),reports,reports-$(notdir $(ASSIGNMENT)))
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: help venv lint assignment check-assignment test grade clean gradescope examples check-examples browser slurm mutants mutation-score sandbox-user bench similarity

help:
	@echo "make grade       grade every submission in SUBMISSIONS (default $(SUBMISSIONS)) into OUT (default $(OUT))"
	@echo "make similarity  rank the pairs of SUBMISSIONS that share code into OUT/similarity.json (THRESHOLD, ARCHIVE)"
	@echo "make test        run the project's tests (after make lint: ruff)"
	@echo "make assignment  regenerate assignment/ from solutions/"
	@echo "make mutants     grade the mutation suite (tests/mutants/) and print what the grader caught"
	@echo "make mutation-score  every generated mutant of the solution blocks (cosmic-ray): score, survivors"
	@echo "make gradescope  build dist/ASSIGNMENT-autograder.zip, the Gradescope autograder"
	@echo "every target works on ASSIGNMENT (default $(ASSIGNMENT)): a name under assignments/ or a folder"
	@echo "make examples    regenerate examples/submissions/ from solutions/"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

venv: $(STAMP)

assignment: venv
	$(PY) -m tools.make_assignment $(A)

check-assignment: venv
	$(PY) -m tools.make_assignment --check $(A)

# The mutation suite: broken copies of the reference must lose points and be diagnosed (docs/instructors.md, "Diagnoses").
mutants: venv
	$(PY) tests/mutants/runner.py --jobs 2 $(A)

# Every first-order mutant of the solution blocks, made by cosmic-ray (docs/instructors.md, "The mutation score").
mutation-score: venv sandbox-user
	$(PY) tests/mutants/score.py --jobs $(JOBS) $(A)

test: venv lint browser slurm sandbox-user
	$(PY) -m pytest -q

# The project's style (ruff, settings in pyproject.toml): part of `make test`, so CI holds it.
lint: venv
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) $(OUT) dist

# Grading a class (docs/tas.md): FORCE=1 regrades what is graded and unchanged.
grade: venv sandbox-user
	$(PY) -m autograder batch $(SUBMISSIONS) --out $(OUT) --jobs $(JOBS) $(A) $(if $(filter 1,$(FORCE)),--force)

# The similarity report (docs/tas.md, "Similarity"): also written by `make grade`; run it alone after a
# merge of shards, or with THRESHOLD=0.4 or ARCHIVE=folder of an earlier term's submissions.
similarity: venv
	$(PY) -m autograder similarity $(SUBMISSIONS) --out $(OUT) $(if $(THRESHOLD),--threshold $(THRESHOLD)) \
	  $(foreach archive,$(ARCHIVE),--archive $(archive))

gradescope: venv
	$(PY) -m autograder gradescope-bundle $(A)

examples: venv
	$(PY) -m tools.make_examples $(A)

check-examples: venv
	$(PY) -m tools.make_examples --check $(A)

# The browser test renders report pages with Debian's Chromium: installed here when missing and
# running as root (as in CI); otherwise that test skips and says why.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { apt-get update -q && apt-get install -y -q --no-install-recommends chromium; } || \
	  echo "chromium is not installed and cannot be installed here: the browser test will be skipped"; }

# The Slurm test starts a private one-node cluster with Debian's slurm-wlm and munge: installed
# here when missing and running as root (as in CI); otherwise that test skips and says why.
slurm:
	@{ command -v slurmctld && command -v slurmd && command -v sbatch && command -v munged; } >/dev/null 2>&1 || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { apt-get update -q && apt-get install -y -q --no-install-recommends slurm-wlm munge; } || \
	  echo "slurm-wlm and munge are not installed and cannot be installed here: the Slurm test will be skipped"; }

# The unprivileged user that runs student code when grading as root (docs/threat-model.md):
# created here when missing and running as root, as Gradescope's setup.sh does.
sandbox-user:
	@[ "$$(id -u)" != 0 ] || id autograder-student >/dev/null 2>&1 || \
	  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin autograder-student

# The benchmark (docs/performance.md): one submission as Gradescope grades it, beside otter run
# and the floor (RUNS, OTTER_RUNS), and a synthetic class graded like `make grade` (SIZE, BENCH_JOBS).
bench: venv
	$(PY) -m tools.bench $(A) --size $(or $(SIZE),500) --jobs $(or $(BENCH_JOBS),2) --runs $(or $(RUNS),15) \
	  --otter-runs $(or $(OTTER_RUNS),5)
