# Two entry points for a new checkout: `make demo` and `make test`. Both install what they need.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint install clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

install: $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]'

# The main job on the embedded default: validate everything, then sync the `local`
# environment, whose bucket is a folder (.local-bucket/) — no AWS account needed.
demo: install
	$(BIN)/mwaa-gitops validate
	$(BIN)/mwaa-gitops sync --env local

lint: install
	$(BIN)/ruff check tools tests bench schemas
	$(BIN)/mypy

# Lint, type-check and the whole test suite; real Airflow 2/3, openmetadata-ingestion and a
# SeaweedFS S3 server are installed and started by the tests themselves.
test: lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .local-bucket .pytest_cache .mypy_cache .ruff_cache
