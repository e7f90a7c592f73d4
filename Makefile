# kamerstroom: `make demo` runs the product on replayed real feeds; `make test` checks it.
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PYTHON ?= python3

.PHONY: install broker demo lint typecheck test bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip
	@$(BIN)/python -m pip install -q -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

broker:
	@bash scripts/ensure-broker.sh $(BROKER_FLAGS)

demo: install broker
	@$(BIN)/kamerstroom demo

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy shared services kamerstroom bench tests

test: install broker lint typecheck
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install broker
	$(BIN)/python -m bench $(if $(QUICK),--quick,)

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
