# kamerstroom: `make demo` runs the product on replayed real feeds; `make test` checks it.
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | cksum | cut -d' ' -f1)
PYTHON ?= python3
# The JavaScript validators the tests run (tools/contracts/package-lock.json).
NODE_TOOLS := tools/contracts/node_modules/.package-lock.json
# Flags for both locks: hashes, no index or find-links lines (they differ per machine).
COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --strip-extras --no-emit-index-url \
	--no-emit-find-links --no-emit-trusted-host

.PHONY: install node-tools broker demo lint typecheck hadolint test bench lock clean

# Exactly the locked versions (every one hash-checked), then the project itself without
# resolving anything. Reinstalls when pyproject.toml or the lock changes.
$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --require-hashes --no-deps -r requirements.lock
	@# setuptools warns on every editable install (a folder named like the package); the
	@# output is kept in a log and shown only when the install fails.
	@$(BIN)/python -m pip install -q --no-deps -e . >$(VENV)/install.log 2>&1 \
		|| { cat $(VENV)/install.log >&2; exit 1; }
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

$(NODE_TOOLS): tools/contracts/package.json tools/contracts/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tools/contracts --no-audit --no-fund --ignore-scripts --loglevel=error; \
	else echo "npm not found: the AsyncAPI and CloudEvents JS checks will be skipped" >&2; fi

node-tools: $(NODE_TOOLS)

# Regenerate both locks after changing a dependency in pyproject.toml (Python 3.11, Linux
# x86_64). The runtime lock (the Docker image's) is constrained to the full one's versions.
lock:
	@$(BIN)/python -m pip install -q 'pip-tools>=7.4,<8'
	$(COMPILE) --extra dev --output-file requirements.lock pyproject.toml
	$(COMPILE) --constraint requirements.lock --output-file requirements-runtime.lock pyproject.toml

broker:
	@bash scripts/ensure-broker.sh $(BROKER_FLAGS)

demo: install broker
	@$(BIN)/kamerstroom demo

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy shared services kamerstroom bench tests

hadolint: install
	$(BIN)/hadolint deploy/Dockerfile

test: install node-tools broker lint typecheck hadolint
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install broker
	$(BIN)/python -m bench $(if $(QUICK),--quick,)

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache tools/contracts/node_modules
