# wave-mock developer commands. The two that matter:
#   make run    bootstrap .venv, then serve the mock on :8787 with the demo fixture
#   make test   bootstrap .venv + Node tools (+ Chromium if root), then run the default suite
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PORT ?= 8787
PYTEST_ARGS ?=

STAMP := $(VENV)/.wave-mock-bootstrap.stamp
NODE_STAMP := node_modules/.wave-mock-stamp

export PYTHON VENV

.PHONY: help venv run test node-tools browser lock clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

venv: $(STAMP)  ## Create/refresh .venv (only reinstalls when pyproject.toml or constraints.txt changed)

$(STAMP): pyproject.toml setup.py constraints.txt scripts/bootstrap-venv.sh
	@scripts/bootstrap-venv.sh
	@touch $@

run: $(STAMP)  ## Serve the mock on port 8787 (override: make run PORT=n) with the demo data
	$(VENV)/bin/wave-mock serve --port $(PORT) --load demo

node-tools: $(NODE_STAMP)  ## Install the pinned Node lint tools (package-lock.json)

$(NODE_STAMP): package.json package-lock.json scripts/ensure-node-tools.sh
	@scripts/ensure-node-tools.sh

browser:  ## Install Debian's chromium if missing and running as root (never fails)
	@scripts/ensure-browser.sh

test: $(STAMP) node-tools browser  ## Run the default test suite (excludes -m slow)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lock: $(STAMP)  ## Regenerate constraints.txt from what is installed in .venv
	@{ echo "# Exact versions installed in $(VENV) (runtime + dev). Regenerate with: make lock"; \
	   $(VENV)/bin/python -m pip freeze --all --exclude-editable --disable-pip-version-check \
	     | grep -v -E '^(pip|wave-mock|wave_mock)=='; } > constraints.txt.tmp
	@mv constraints.txt.tmp constraints.txt
	@touch $(STAMP)
	@echo "Wrote constraints.txt ($$(grep -c '==' constraints.txt) pins)"

clean:  ## Remove build outputs and caches (keeps .venv and node_modules)
	rm -rf build dist src/*.egg-info .pytest_cache .hypothesis artifacts
