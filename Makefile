# gradlab: every target sets up what it needs by itself.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

SUBMISSIONS ?= examples/submissions
OUT ?= reports
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: help venv assignment check-assignment test grade clean

help:
	@echo "make grade       grade every submission in SUBMISSIONS (default $(SUBMISSIONS)) into OUT (default $(OUT))"
	@echo "make test        run the project's tests"
	@echo "make assignment  regenerate assignment/ from solutions/"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

venv: $(STAMP)

assignment: venv
	$(PY) -m tools.make_assignment

check-assignment: venv
	$(PY) -m tools.make_assignment --check

test: venv
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) $(OUT) dist
