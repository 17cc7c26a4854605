# The two commands a new developer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test bench lint system-deps system-deps-test clean translations
.PHONY: installer installer-smoke

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever pyproject.toml changes; a stamp per flavour of install.
$(VENV)/.stamp-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.stamp-installer: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[installer,pg]'
	@touch $@ $(VENV)/.stamp-run

$(VENV)/.stamp-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test,pg]'
	@touch $@ $(VENV)/.stamp-run

system-deps:
	@scripts/system-deps.sh

system-deps-test:
	@scripts/system-deps.sh --test

## Start the workstation on the embedded database, with KPCN demo data.
run: system-deps $(VENV)/.stamp-run
	$(BIN)/meldkamer gui --demo

## Lint, the layering contract, type checks and the whole suite, headless.
test: system-deps-test $(VENV)/.stamp-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q

lint: $(VENV)/.stamp-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Extract messages (Babel), merge them into the .po catalogues and compile the .mo files.
translations: $(VENV)/.stamp-test
	PYBABEL=$(BIN)/pybabel scripts/translations.sh

## Benchmarks: prints a table (not part of the pass/fail run).
bench: system-deps $(VENV)/.stamp-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache

## The one-folder bundle (dist/meldkamer/) and its tarball with a desktop entry (issue 13).
## INSTALLER_DEPS= skips installing into the venv (a venv that already has the extras).
INSTALLER_DEPS ?= $(VENV)/.stamp-installer
installer: $(INSTALLER_DEPS)
	PYTHON=$(BIN)/python installer/build.sh

## Build the bundle if missing, then run it offscreen, offline, in a clean HOME (not in test).
installer-smoke: $(INSTALLER_DEPS)
	$(BIN)/python installer/smoke.py
