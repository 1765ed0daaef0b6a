# genaisim — every target sets up what it needs first.
#   make run    set up, then run the default scenario and print a summary
#   make test   set up, then run the whole test suite
#   make bench  set up, then run the benchmarks
#   make lint   set up, then check the code with ruff
#   make app    set up, then serve the scenario explorer on http://localhost:8501
#   make docs   set up, then regenerate every figure the docs quote (experiments, patterns,
#               ODD tables, README sample) from fresh simulations
#   make calibrate        set up, then fit enterprise_2024 to the survey figures (~20 min)
#   make calibration-docs set up, then regenerate docs/calibration.md from the posterior
SHELL := /bin/sh
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test bench lint format app clean chromium docs calibrate calibration-docs

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/find-python
	@py="$$(sh scripts/find-python)"; \
	if [ -z "$$py" ]; then \
		echo "genaisim needs Python 3.12 or newer (Mesa 3.5 requires it)." >&2; \
		echo "None was found on PATH or among pyenv's versions; install one, e.g. 'pyenv install 3.12'." >&2; \
		exit 1; \
	fi; \
	echo "Setting up $(VENV) with $$py"; \
	rm -rf $(VENV) && "$$py" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask,app]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/genaisim run baseline

test: $(STAMP) chromium
	$(BIN)/python -m pytest -n 2 -q

# The browser tests drive Debian's chromium (Playwright cannot download its own here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else \
			echo "The browser tests need Debian's chromium: sudo apt-get install chromium" >&2; exit 1; \
		fi; }

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py
	$(BIN)/python benchmarks/bench_sweep.py
	$(BIN)/python benchmarks/bench_app.py
	$(BIN)/python benchmarks/bench_calibration.py

# The experiments run into a fresh folder: a sweep made by other model code is not resumed.
EXPERIMENTS := foundations ownership_predictor capability_vs_data feedback_elements \
	pilot_appetite early_vs_disciplined sobol_foundations discover_compounding
DOCS_RESULTS := results/docs

docs: $(STAMP)
	rm -rf $(DOCS_RESULTS)
	for name in $(EXPERIMENTS); do \
		$(BIN)/python experiments/$$name.py --out $(DOCS_RESULTS) || exit 1; \
	done
	$(BIN)/python experiments/make_docs.py --results $(DOCS_RESULTS)
	$(BIN)/python scripts/make_docs.py

# The calibration resumes from results/calibrate_enterprise_2024 if it was stopped, and
# writes scenarios/enterprise_2024.toml and its posterior at the end.
calibrate: $(STAMP)
	$(BIN)/genaisim calibrate experiments/calibrate_enterprise_2024.toml

calibration-docs: $(STAMP)
	$(BIN)/python scripts/make_calibration_docs.py

app: $(STAMP)
	$(BIN)/streamlit run app.py --server.headless true --browser.gatherUsageStats false

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks experiments scripts app.py
	$(BIN)/ruff format --check src tests benchmarks experiments scripts app.py

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks experiments scripts app.py
	$(BIN)/ruff check --fix src tests benchmarks experiments scripts app.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache
