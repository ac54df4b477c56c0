# Two commands: `make report` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST := $(BIN)/python -m pytest -n 2 --dist loadfile

.PHONY: install report test lab bench clean

install: $(STAMP)

# Re-run set-up only when the pins change; the second run is a no-op.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	# DuckDB/Spark through Ibis (csat_analysis.backends), so tests/test_backends.py runs rather than skips
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[warehouse]'
	# optional jsonschema format checker: 1.6 s of every papermill/nbconvert start-up, unused here
	$(BIN)/python -m pip uninstall --quiet --yes rfc3987-syntax >/dev/null 2>&1 || true
	$(BIN)/python -m csat_analysis.kernel
	touch $(STAMP)

report: install
	$(BIN)/csat-report demo --out reports --xlsx

test: install
	$(PYTEST) tests csat_analysis
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider notebooks

lab: install
	$(BIN)/jupyter lab --notebook-dir=notebooks

bench: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) reports/*.html reports/*.ipynb csat_analysis.egg-info
