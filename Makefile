# elastic_dr.orchestrator — the two commands are `make demo` and `make test`.
# Everything installs into .venv from PyPI only (no Galaxy, no GitHub).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LAB_PORT ?= 5055
ESTATE ?= lab/estates/demo.yml
PYTEST_ARGS ?=

.PHONY: help venv lab demo test test-unit test-lab sanity lint clean ee-context

help:
	@echo "make demo   - start the local lab on the demo estate and run the demo (writes reports/)"
	@echo "make test   - everything CI checks"
	@echo "make lab    - serve the lab on http://127.0.0.1:$(LAB_PORT) with ESTATE=$(ESTATE)"
	@echo "make venv   - create/refresh .venv (idempotent)"

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

lab: venv
	$(BIN)/python -m lab serve --port $(LAB_PORT) --estate $(ESTATE)

demo: venv
	$(BIN)/python scripts/demo.py --estate $(ESTATE)

test: venv
	$(BIN)/python scripts/run_tests.py $(PYTEST_ARGS)

ee-context: venv
	$(BIN)/python scripts/ee_context.py

test-unit: venv
	$(BIN)/python -m pytest tests/unit -q $(PYTEST_ARGS)

test-lab: venv
	$(BIN)/python -m pytest tests/lab -q $(PYTEST_ARGS)

clean:
	rm -rf build reports .pytest_cache tests/output
