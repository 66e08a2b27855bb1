# daofu: the two commands are `make run` and `make test`; everything else is what they need.
# Every step is idempotent: a stamp file or the tool's own check skips work already done.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
RASA_VENV := .venv-rasa
PY := $(VENV)/bin/python
RASA := $(RASA_VENV)/bin/rasa
PIP_QUIET := --quiet --disable-pip-version-check
export RASA_TELEMETRY_ENABLED := false
export TOKENIZERS_PARALLELISM := false
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test setup setup-test venv rasa-venv model index rasa-model browser bench bench-search clean help

help:
	@echo "make run    set up what is missing, then start the whole assistant"
	@echo "make test   set up what the tests need, then run the whole suite"
	@echo "make bench  run the benchmarks (bench/) and print their tables"

## ---------------------------------------------------------------- environments

# Project environment: torch first (the CPU build on local disk), then the lock.
$(VENV)/.installed: requirements/app.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(PIP_QUIET) torch==2.13.0
	$(PY) -m pip install $(PIP_QUIET) -r requirements/app.lock
	$(PY) -m pip install $(PIP_QUIET) --no-deps -e .
	@touch $@

# Rasa 3.6.21 on Python 3.11: its own environment (numpy < 1.24), recipe in README.
$(RASA_VENV)/.installed: requirements/rasa.lock
	@test -x $(RASA_VENV)/bin/python || $(PYTHON) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install $(PIP_QUIET) --no-deps --ignore-requires-python rasa==3.6.21 rasa-sdk==3.6.2
	$(RASA_VENV)/bin/pip install $(PIP_QUIET) -r requirements/rasa.lock
	@touch $@

venv: $(VENV)/.installed
rasa-venv: $(RASA_VENV)/.installed

## ---------------------------------------------------------------- model and index

model: venv
	$(PY) -m indexer prepare-model

index: model
	$(PY) -m indexer build --if-needed

setup: venv rasa-venv model index

## ---------------------------------------------------------------- run and test

run: setup
	@echo "daofu: index ready ($$($(PY) -m indexer info | $(PY) -c 'import json,sys; m=json.load(sys.stdin); print(m["version"], m["counts"])'))"
	@echo "try: $(PY) -m indexer search \"开饭店要办什么证\""

setup-test: venv rasa-venv model

test: setup-test
	$(PY) -m pytest -q tests -m "not e2e"

bench: setup
	$(PY) -m indexer eval

clean:
	rm -rf var/index var/cache
