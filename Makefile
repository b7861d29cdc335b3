# Two entry points for a new checkout: `make demo` and `make test`. Both install what they need,
# at the exact versions of requirements-dev.lock (`make lock` updates it).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
LOCK   := requirements-dev.lock
# The installer itself comes at the version the lock pins for it.
UV_VERSION := $(shell sed -n 's/^uv==\([^ ;]*\).*/\1/p' $(LOCK))

.PHONY: demo test lint install lock test-locks clean

$(BIN)/uv: $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(BIN)/uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python --require-hashes $(LOCK)
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .

# Re-resolve every dependency of pyproject.toml (all Pythons it supports) to the newest
# releases and rewrite the lock; commit the result with the change that needed it.
lock: $(BIN)/uv
	$(BIN)/uv pip compile --quiet --upgrade --universal --python-version 3.10 --generate-hashes \
	  --extra dev --custom-compile-command 'make lock' -o $(LOCK) pyproject.toml

# Re-resolve the openmetadata-ingestion test venvs (tests/support/openmetadata*.in: the pinned
# release, and each other supported line; for the Python 3.11 they run on) and rewrite their
# locks; the tests install exactly those sets.
test-locks: $(BIN)/uv
	for input in tests/support/openmetadata*.in; do \
	  $(BIN)/uv pip compile --quiet --upgrade --python-version 3.11 --generate-hashes \
	    --custom-compile-command 'make test-locks' -o $${input%.in}.lock $$input || exit 1; \
	done

# The main job on the embedded default: validate everything, then sync the `local`
# environment, whose bucket is a folder (.local-bucket/) — no AWS account needed.
demo: install
	$(BIN)/mwaa-gitops validate
	$(BIN)/mwaa-gitops sync --env local

lint: install
	$(BIN)/ruff check tools tests bench schemas scripts
	$(BIN)/mypy

# Lint, type-check and the whole test suite; real Airflow 2/3, openmetadata-ingestion and a
# SeaweedFS S3 server are installed and started by the tests themselves.
test: lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .local-bucket .pytest_cache .mypy_cache .ruff_cache
