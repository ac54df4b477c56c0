# Two commands: `make report` and `make test` (see README.md). `make test-all` adds the simulation tier.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
UV_VERSION := 0.13.9
PYTEST := $(BIN)/python -m pytest -n 2 --dist loadfile --durations=15
# nbval re-executes the notebooks and compares the cells marked NBVAL_CHECK_OUTPUT with their stored outputs;
# tests/nbval_tolerance.py compares numbers to 6 significant digits (BLAS/CPU change the last ones).
NBVAL  := $(BIN)/python -m pytest -p tests.nbval_tolerance --nbval-lax --nbval-current-env \
          --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider -n 2 --dist loadfile
LINT   := $(BIN)/ruff check csat_analysis tests benchmarks

.PHONY: install report test test-all lint notebooks lab bench clean

install: $(STAMP)

# Re-run set-up only when the pins change; the second run is a no-op.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# uv installs the same pins as pip in a quarter of the time (make test's budget includes set-up); pip if uv fails
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION) \
	  && $(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[test,warehouse]' \
	  || $(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,warehouse]'
	# optional jsonschema format checker: 1.6 s of every papermill/nbconvert start-up, unused here
	$(BIN)/python -m pip uninstall --quiet --yes rfc3987-syntax >/dev/null 2>&1 || true
	$(BIN)/python -m csat_analysis.kernel
	touch $(STAMP)

report: install
	$(BIN)/csat-report demo --out reports --xlsx

lint: install
	$(LINT)

# The fast tier: ruff, then pytest (+ doctests) without the simulation tier, then nbval.
test: install
	$(LINT)
	$(PYTEST) -m "not simulation and not slow" tests csat_analysis
	$(NBVAL) notebooks

# Everything `make test` runs, plus the Monte-Carlo size and coverage checks (marker `simulation`) and the
# further report renders (marker `slow`).
test-all: test
	$(PYTEST) -m "simulation or slow" tests

# Re-execute the report notebooks in place on the bundled sample (their stored outputs are what nbval checks).
notebooks: install
	cd notebooks && ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.kernel_name=csat-analysis --ExecutePreprocessor.timeout=600 *.ipynb

lab: install
	$(BIN)/jupyter lab --notebook-dir=notebooks

bench: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) reports/*.html reports/*.ipynb csat_analysis.egg-info
