# Two commands for a newcomer: `make run` (set up and start the bot) and `make test` (set up and
# run every check). Both create .venv on first use and install exactly the versions in the lock
# files (requirements/*.txt, with hashes); they reinstall only when a lock file changes.
# `make lock` refreshes the lock files from pyproject.toml's ranges.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check
# The lock tool, pinned like everything that shapes an install.
UV_VERSION := 0.13.9

.PHONY: run test test-fast lint typecheck pytest setup lock clean bench bench-quick reliability

$(VENV)/.created:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))."; exit 1; }
	@$(PYTHON) -m venv $(VENV) || \
		{ echo "Could not create $(VENV): on Debian, run 'apt-get install python3-venv' first."; exit 1; }
	@touch $@

# One stamp per lock file: the locked packages (hashes checked, nothing unlisted), then the bot
# itself as an editable install without dependencies.
$(VENV)/.installed-%: requirements/%.txt pyproject.toml | $(VENV)/.created
	@$(PIP) --require-hashes --no-deps -r requirements/$*.txt
	@$(PIP) --no-deps -e .
	@touch $@

STAMP := $(VENV)/.installed-dev

setup: $(STAMP)

run: $(VENV)/.installed-run
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

# Two workers share the cores for most tests (pytest-xdist); the tests that assert wall-clock
# speed (marker `timing`: the reliability suite, scale-out, latency checks) run after, alone, so
# a neighbour's load never decides their outcome.
pytest: $(STAMP)
	$(BIN)/pytest -n 2 -m "not timing"
	$(BIN)/pytest -m timing

# The inner loop: unit tests on SQLite on two workers (no emulator, no PostgreSQL, no reliability
# suite, no wall-clock checks).
test-fast: $(STAMP)
	$(BIN)/pytest -n 2 -m "not e2e and not slow and not postgres and not timing" \
		--ignore=tests/e2e --ignore=tests/reliability -q

test: lint typecheck pytest

# Benchmarks (bench/): about 5 minutes on 2 cores; writes docs/benchmarks.md and its PNG.
bench: $(VENV)/.installed-bench
	$(BIN)/python -m bench

# The same at small sizes, into a scratch directory: a smoke test, not the real figures.
bench-quick: $(VENV)/.installed-bench
	$(BIN)/python -m bench --quick --out $${TMPDIR:-/tmp}/omradesbot-bench/benchmarks.md

# Reliability suite (tests/reliability/, about 3 minutes; `make test` runs it too): collects its
# figures into tests/reliability/results.json and renders docs/reliability.md from them.
RELIABILITY_RESULTS := tests/reliability/results.json
reliability: $(STAMP)
	rm -f $(RELIABILITY_RESULTS)
	OMRADESBOT_RELIABILITY_RESULTS=$(RELIABILITY_RESULTS) $(BIN)/pytest tests/reliability
	$(BIN)/python -m tests.reliability.report $(RELIABILITY_RESULTS) docs/reliability.md

# Refresh the lock files after changing a range in pyproject.toml (or to take new releases).
lock: $(VENV)/.created
	@$(PIP) uv==$(UV_VERSION)
	@for lock in run:"" dev:"--extra dev" bench:"--extra dev --extra bench"; do \
		name=$${lock%%:*}; extras=$${lock#*:}; \
		$(BIN)/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 \
			--generate-hashes $$extras -o requirements/$$name.txt || exit 1; \
	done
	@echo "requirements/run.txt, dev.txt and bench.txt refreshed; commit them with pyproject.toml."

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
