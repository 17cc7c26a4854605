# The two commands a new developer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test bench lint system-deps system-deps-test clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever pyproject.toml changes; a stamp per flavour of install.
$(VENV)/.stamp-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

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
