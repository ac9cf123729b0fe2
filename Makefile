# Everything a fresh machine needs goes through uv and the committed uv.lock.
# uv from PATH, else the one pip installs as a module (no PATH or shim refresh needed).
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := python3 -m uv
endif
PYTEST_ARGS ?=
PIP_AUDIT ?= pip-audit==2.10.1
AUDIT_ARGS ?=

.PHONY: install run test test-e2e bench lint audit

install:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen

run: install
	$(UV) run --frozen pagila-assistant serve

test: install
	$(UV) run --frozen pytest $(PYTEST_ARGS)

test-e2e: install  # needs Debian's chromium (apt-get install chromium)
	$(UV) run --frozen pytest tests/e2e $(PYTEST_ARGS)

bench: install  # the load generator is Debian's wrk; SCALE=100: the demo store at x1 and x100
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk) \
		|| echo "could not install wrk: apt-get install wrk"
	$(UV) run --frozen python tests/bench/run.py $(if $(SCALE),--scale $(SCALE)) $(BENCH_ARGS)

lint: install
	$(UV) run --frozen ruff check .

# Known vulnerabilities in every locked dependency (uv.lock, dev group included), checked by
# pip-audit against the package index's advisory data (needs network access to it;
# AUDIT_ARGS="-s osv" uses the OSV database instead). Exits non-zero when it finds any, and
# (--strict) when a dependency could not be checked: a skipped package is not a clean one.
audit:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@locked=$$(mktemp) && trap 'rm -f "$$locked"' EXIT && \
	$(UV) export --frozen --all-groups --no-emit-project --format requirements-txt --no-header \
		--quiet > "$$locked" && \
	$(UV) tool run --quiet $(PIP_AUDIT) --disable-pip --requirement "$$locked" \
		--strict --progress-spinner off $(AUDIT_ARGS)
