# The two commands a new machine needs:  `make run`  and  `make test`.
# Each installs what it needs first: a virtualenv in .venv, and Debian packages — for `run` the
# CJK and emoji fonts (demo photos and charts), for `test` also chromium (the browser tests).

PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test test-postgres soak audit lint run-deps test-deps system-deps bench bench-deps clean

$(STAMP): pyproject.toml
	@echo "Installing Vitrine into $(VENV) (once, and again when pyproject.toml changes)…"
	@$(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/python -m pip install -q --upgrade pip
	@$(VENV)/bin/python -m pip install -q -e '.[test,lint,postgres,redis]'
	@touch $(STAMP)

# Debian packages, each checked by a file it installs; missing ones come from apt-get (as root or
# with sudo) in one go.
FONT_CHECKS = \
	[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need="$$need fonts-noto-cjk"; \
	[ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || need="$$need fonts-noto-color-emoji";
BROWSER_CHECKS = command -v chromium >/dev/null 2>&1 || need="$$need chromium";
APT_INSTALL = \
	if [ -n "$$need" ]; then \
	  echo "Installing Debian packages:$$need"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$need; \
	fi

# What `make run` needs: the fonts for Chinese text and emoji in demo photos and charts.
run-deps:
	@need=""; $(FONT_CHECKS) $(APT_INSTALL)

# What `make test` needs: the same fonts, and chromium for the browser tests.
test-deps:
	@need=""; $(FONT_CHECKS) $(BROWSER_CHECKS) $(APT_INSTALL)

system-deps: test-deps

run: $(STAMP) run-deps
	@$(VENV)/bin/vitrine run

test: $(STAMP) test-deps
	$(VENV)/bin/python -m pytest -q

# The suite again on PostgreSQL: each test that touches the database gets its own copy of one
# migrated template database on VITRINE_TEST_POSTGRES_URL's server (default 127.0.0.1:5432, trust
# auth). unit/ and sandbox/ never touch the bot's database, so they run once, in `make test`.
PG_TEST_DIRS = tests/storage tests/services tests/journeys tests/web tests/faults tests/browser
test-postgres: $(STAMP) test-deps
	VITRINE_TEST_BACKEND=postgresql $(VENV)/bin/python -m pytest -q $(PG_TEST_DIRS)

# The soak-marked tests at full size (`make test` runs them at CI size): minutes, not seconds.
soak: $(STAMP) test-deps
	VITRINE_SOAK=1 $(VENV)/bin/python -m pytest -q -s -m soak

# Known vulnerabilities in the installed set (pip-audit asks the package index's advisory data,
# so it needs the network). A report, not a gate: .ci/run prints it and goes on.
audit: $(STAMP)
	$(VENV)/bin/pip-audit --local --skip-editable --progress-spinner off

# The lint gate: ruff's rules and formatting, and mypy's types (pyproject.toml chooses them).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy bot handlers storage sandbox

# wrk loads the HTTP routes in the benchmarks (Debian's package, installed like chromium above).
bench-deps:
	@command -v wrk >/dev/null 2>&1 || { \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends wrk; }

bench: $(STAMP) bench-deps
	$(VENV)/bin/python -m bench all

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
