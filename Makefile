# daofu: the two commands are `make run` and `make test`; everything else is what they need.
# Every step is idempotent: a stamp file or the tool's own check skips work already done.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
RASA_VENV := .venv-rasa
PY := $(VENV)/bin/python
RASA := $(RASA_VENV)/bin/rasa
PIP := --quiet --disable-pip-version-check
RASA_FILES := --config config.yml --domain bot/domain.yml --data nlu_data bot/data
export RASA_TELEMETRY_ENABLED := false
export TOKENIZERS_PARALLELISM := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help run test setup setup-test venv rasa-venv base-model model index userdict rasa-model \
        rasa-test-model system-deps test-unit nlu-eval bench clean frontend dev-tools audit lint

help:
	@echo "make run    set up what is missing, then start the whole assistant (prints the URLs)"
	@echo "make test   set up what the tests need, then run the whole suite"
	@echo "make bench  run the benchmarks in bench/ and print their tables"

## ---------------------------------------------------------------- environments

# Project environment: torch first (the CPU build on local disk), then the lock.
$(VENV)/.installed: requirements/app.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(PIP) torch==2.13.0
	$(PY) -m pip install $(PIP) -r requirements/app.lock
	$(PY) -m pip install $(PIP) --no-deps -e .
	@touch $@

# Rasa 3.6.21 on Python 3.11 in its own environment (TensorFlow needs numpy < 1.24).
$(RASA_VENV)/.installed: requirements/rasa.lock requirements/rasa-nlu-features.lock
	@test -x $(RASA_VENV)/bin/python || $(PYTHON) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install $(PIP) --no-deps --ignore-requires-python rasa==3.6.21 rasa-sdk==3.6.2
	$(RASA_VENV)/bin/pip install $(PIP) -r requirements/rasa.lock
	$(RASA_VENV)/bin/pip install $(PIP) --no-deps -r requirements/rasa-nlu-features.lock
	@touch $@

venv: $(VENV)/.installed

# Audit tools (pip-audit, bandit) for `make test`, on top of the project environment.
$(VENV)/.dev-installed: $(VENV)/.installed requirements/dev.lock
	$(PY) -m pip install $(PIP) --no-deps -r requirements/dev.lock
	@touch $@
dev-tools: $(VENV)/.dev-installed
rasa-venv: $(RASA_VENV)/.installed

# Browser libraries of the consoles (Chart.js) and the bundler (esbuild), exactly as
# desk/frontend/package-lock.json pins them.
desk/frontend/node_modules/.installed: desk/frontend/package-lock.json
	npm ci --prefix desk/frontend --no-audit --no-fund
	@touch $@

# The widget and console scripts, bundled from desk/frontend/src into desk/static. The bundles are
# committed (a clone serves them without Node); tests/desk/test_frontend_build.py checks they match
# their sources.
FRONTEND_SOURCES := $(shell find desk/frontend/src -type f) desk/frontend/build.mjs
FRONTEND_BUNDLES := desk/static/widget.js desk/static/console/console.js desk/static/console/knowledge.js \
                    desk/static/console/analytics.js desk/static/console/demands.js desk/static/console/cards.css
$(FRONTEND_BUNDLES) &: $(FRONTEND_SOURCES) desk/frontend/node_modules/.installed
	node desk/frontend/build.mjs

frontend: $(FRONTEND_BUNDLES)

# Headless Chromium and CJK fonts for the browser tests, PostgreSQL and Redis for the scale tests
# (Debian packages; the tests run their own throwaway servers, tests/scale/servers.py).
system-deps:
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . && \
	  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v redis-server >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk \
	      postgresql redis-server >/dev/null; }

## ---------------------------------------------------------------- model, index, Rasa model

base-model: venv
	$(PY) -m indexer prepare-model --base-only

# The e5 model fine-tuned on knowledge_base/training_questions (~15 min on 2 cores, once).
model: venv
	$(PY) -m indexer prepare-model

index: model
	$(PY) -m indexer build --if-needed

userdict: venv
	$(PY) -m indexer userdict

# Trains only when the model's recorded inputs changed: config, domain and data, and what Rasa's
# own fingerprint does not see (normaliser version, user dictionary, base model; launcher/rasa_model.py).
rasa-model: rasa-venv userdict base-model
	$(PY) -m launcher.rasa_model

# For the tests: one model trained on 80% of the NLU examples (all rules and stories); the other
# 20% is the held-out split its intent macro-F1 is measured on.
rasa-test-model: rasa-venv userdict base-model
	$(RASA) data split nlu --nlu nlu_data --training-fraction 0.8 --random-seed 42 --out var/rasa/split
	$(RASA) train --config config.yml --domain bot/domain.yml --data var/rasa/split/training_data.yml bot/data \
	  --out var/rasa/test-models --fixed-model-name daofu-test

setup: venv rasa-venv model index rasa-model frontend

## ---------------------------------------------------------------- run

# Only the environments come first; the launcher makes the rest, serving as soon as it can (base
# model index, Rasa model) and fine-tuning in the background (launcher/startup.py). The clock
# starts when make reads this file, so the launcher can report time since `make run`.
ifneq ($(filter run,$(MAKECMDGOALS)),)
RUN_STARTED := $(shell date +%s.%N)
endif

# The two environments and the console libraries install side by side (separate folders).
run:
	@$(MAKE) --no-print-directory -j3 venv rasa-venv frontend
	$(PY) -m launcher --started-at $(RUN_STARTED)

## ---------------------------------------------------------------- tests

setup-test: venv dev-tools rasa-venv base-model rasa-test-model system-deps frontend

# The unit tests are independent (temporary folders, free ports): one pytest-xdist worker per core,
# a module's tests kept together so its module-scoped fixtures are built once.
UNIT_WORKERS := -n auto --maxprocesses 4 --dist loadfile

# The set-up steps are mostly downloads and installs into separate places (the two environments,
# Debian packages, the console libraries), so they run side by side; CI starts from a clean clone.
test:
	@$(MAKE) --no-print-directory -j4 setup-test
	@$(MAKE) --no-print-directory lint
	$(RASA) data validate --fail-on-warnings $(RASA_FILES)
	$(PY) -m pytest -q $(UNIT_WORKERS) tests
	$(PY) -m pytest -q -m integration tests
	$(PY) -m pytest -q -m e2e tests
	$(PY) -m pytest -q -m scale tests
	$(PY) -m desk.security.audits

audit: dev-tools
	$(PY) -m desk.security.audits

# ruff (rules in pyproject.toml) over the repository, mypy over our packages. bot/ is checked with
# .venv too: Rasa ships no type information, so its imports are Any either way (ignore_missing_imports).
MYPY_PACKAGES := daofu_core daofu_protocol indexer desk actions launcher bench bot rasa_sdk_plugins
lint: dev-tools
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy $(MYPY_PACKAGES)

test-unit: venv
	$(PY) -m pytest -q $(UNIT_WORKERS) tests

nlu-eval: rasa-test-model
	$(PY) -m pytest -q -m integration tests/rasa/test_nlu_quality.py -s

## ---------------------------------------------------------------- benchmarks

bench: setup
	$(PY) -m indexer eval
	$(PY) bench/rasa_latency.py
	$(PY) bench/desk_load.py
	$(PY) bench/reindex_bench.py
	$(PY) -m bench.gap_clustering
	$(PY) -m bench.typo_bench
	$(PY) -m bench.out_of_catalog
	$(PY) -m bench.bundle_matching

clean:
	rm -rf var/index var/cache var/rasa var/log
