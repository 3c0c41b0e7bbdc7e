# The two commands a new machine needs:  `make run`  and  `make test`.
# Each installs what it needs first (a virtualenv in .venv, Debian's chromium and a CJK font).

PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test system-deps bench bench-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[test]'
	touch $(STAMP)

# Debian packages: chromium for the browser tests, CJK and emoji fonts for photos, charts and pages.
system-deps:
	@need=""; \
	command -v chromium >/dev/null 2>&1 || need="$$need chromium"; \
	[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need="$$need fonts-noto-cjk"; \
	[ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || need="$$need fonts-noto-color-emoji"; \
	if [ -n "$$need" ]; then \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$need; \
	fi

run: $(STAMP) system-deps
	$(VENV)/bin/vitrine run

test: $(STAMP) system-deps
	$(VENV)/bin/python -m pytest -q

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
