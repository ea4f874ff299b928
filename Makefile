# Quick start: `make chat` (terminal chat) and `make test` (the whole test suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: chat test test-fast check eval bench clean lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@ $(STAMP)

chat: $(STAMP)
	@$(BIN)/kpo-bot chat

test: $(DEV_STAMP)
	$(BIN)/python -m mypy --strict bot/
	$(BIN)/python -m ruff check
	$(BIN)/python -m pytest

test-fast: $(DEV_STAMP)
	$(BIN)/python -m pytest -m "not slow"

check: $(STAMP)
	$(BIN)/kpo-bot kb check

eval: $(STAMP)
	$(BIN)/kpo-bot kb eval tests/data/eval.yaml

bench: $(DEV_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/baselines.py
	$(BIN)/python benchmarks/understanding.py tests/data/check10.yaml tests/data/eval5.yaml tests/data/eval.yaml
	$(BIN)/python benchmarks/e2e.py
	$(BIN)/python benchmarks/picture.py
	$(BIN)/python benchmarks/install.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis

# Type and style checks: mypy --strict over bot/ and ruff over the project.
# Not yet a prerequisite of `test` (wired in once the matching-engine work is merged).
lint: $(DEV_STAMP)
	$(BIN)/python -m mypy --strict bot/
	$(BIN)/python -m ruff check
