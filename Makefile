# Two entry points for a new checkout: `make demo` and `make test`. Both install what they need,
# at the exact versions of requirements-dev.lock (`make lock` updates it).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
LOCK   := requirements-dev.lock
# The installer itself comes at the version the lock pins for it.
UV_VERSION := $(shell sed -n 's/^uv==\([^ ;]*\).*/\1/p' $(LOCK))

.PHONY: demo test lint install lock test-locks clean schemas mwaa-data requirements-data \
	check-data refresh

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

# Maintainer tooling: the generators in scripts/ rewrite the vendored data; commit what changes.

# The JSON Schemas from each supported openmetadata-ingestion line's own models, each run under
# that line's test venv (tests/support/venvs.py builds it from tests/support/openmetadata*.lock,
# the one tests/schemas checks with; the first build needs PyPI).
schemas: install
	for python in $$($(BIN)/python -c '$(OPENMETADATA_PYTHONS)'); do \
	  $$python scripts/generate_schemas.py || exit 1; \
	done

OPENMETADATA_PYTHONS := from tests.support.venvs import OPENMETADATA_LOCKS, openmetadata_python; \
	print(*map(openmetadata_python, OPENMETADATA_LOCKS))

# MWAA's releases and the release schema from a clone of aws/amazon-mwaa-docker-images:
# make mwaa-data SOURCE=../amazon-mwaa-docker-images [REV=<commit>].
REV ?= HEAD
mwaa-data: install
	@test -n "$(SOURCE)" || { echo "usage: make mwaa-data SOURCE=<clone of" \
	  "aws/amazon-mwaa-docker-images> [REV=<commit>]" >&2; exit 2; }
	$(BIN)/python scripts/generate_mwaa.py --source "$(SOURCE)" --rev "$(REV)"
	$(BIN)/python scripts/generate_schemas.py --overlays

# openmetadata-ingestion's requirements, connectors, task-virtualenv locks and uv's verdicts,
# from PyPI (network); MISSING=1 resolves only what index.json lacks.
requirements-data: install
	$(BIN)/python scripts/generate_requirements.py $(if $(MISSING),--missing)

# An upstream release in one command (scripts/refresh.py runs the generators above in order):
# make refresh OPENMETADATA=2.0.7.0   an openmetadata-ingestion release, of a known or new line
# make refresh SOURCE=<clone of aws/amazon-mwaa-docker-images> [REV=<commit>]   MWAA's releases
refresh: install
	@test -n "$(OPENMETADATA)$(SOURCE)" || { echo "usage: make refresh OPENMETADATA=<release>" \
	  "| SOURCE=<clone of aws/amazon-mwaa-docker-images> [REV=<commit>]" >&2; exit 2; }
	$(BIN)/python scripts/refresh.py $(if $(OPENMETADATA),--openmetadata "$(OPENMETADATA)") \
	  $(if $(SOURCE),--mwaa "$(SOURCE)" --rev "$(REV)")

# Every generator's offline check: vendored files match their checksums, overlays their bases.
check-data: install
	$(BIN)/python scripts/generate_schemas.py --overlays --check
	$(BIN)/python scripts/generate_mwaa.py --check
	$(BIN)/python scripts/generate_requirements.py --check

clean:
	rm -rf $(VENV) .local-bucket .pytest_cache .mypy_cache .ruff_cache
