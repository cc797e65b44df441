# Two entry points for a fresh machine: `make run` and `make test`. Each sets up its own venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONSTRAINTS := requirements/constraints.txt
CORES ?= 2
PROFILE ?= profiles/default

.PHONY: run test venv install install-test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml setup.py $(CONSTRAINTS)
	$(BIN)/pip install -q -c $(CONSTRAINTS) -e ".[test,cluster]"
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/snakemake --profile $(PROFILE) --cores $(CORES)

test: install
	$(BIN)/python -m pytest -n $(CORES) --dist loadgroup $(PYTEST_ARGS)

lint: install
	$(BIN)/snakemake --lint

bench: install
	$(BIN)/python bench/convert.py

clean:
	rm -rf results/* .snakemake
