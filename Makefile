# Two commands for a newcomer: `make run` (set up and start the bot) and `make test` (set up and
# run every check). Both create .venv on first use and reinstall only when pyproject.toml changes.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: run test lint typecheck pytest setup clean bench bench-quick reliability

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))."; exit 1; }
	@$(PYTHON) -m venv $(VENV) || \
		{ echo "Could not create $(VENV): on Debian, run 'apt-get install python3-venv' first."; exit 1; }
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	@if [ -z "$$TELEGRAM_BOT_TOKEN" ]; then \
		echo "No TELEGRAM_BOT_TOKEN set: starting the terminal chat (omradesbot chat) instead of Telegram."; \
		exec $(BIN)/omradesbot chat; \
	else \
		exec $(BIN)/omradesbot run; \
	fi

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck pytest

# Benchmarks (bench/): about 8 minutes on 2 cores; writes docs/benchmarks.md and its PNG.
bench: $(STAMP)
	$(BIN)/python -m bench

# The same at small sizes, into a scratch directory: a smoke test, not the real figures.
bench-quick: $(STAMP)
	$(BIN)/python -m bench --quick --out $${TMPDIR:-/tmp}/omradesbot-bench/benchmarks.md

# Reliability suite (tests/reliability/, about 3 minutes; `make test` runs it too): collects its
# figures into tests/reliability/results.json and renders docs/reliability.md from them.
RELIABILITY_RESULTS := tests/reliability/results.json
reliability: $(STAMP)
	rm -f $(RELIABILITY_RESULTS)
	OMRADESBOT_RELIABILITY_RESULTS=$(RELIABILITY_RESULTS) $(BIN)/pytest tests/reliability
	$(BIN)/python -m tests.reliability.report $(RELIABILITY_RESULTS) docs/reliability.md

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
