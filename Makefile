# Two commands on a fresh machine: `make demo` and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.picojoule-installed
LOCK   := requirements.lock
export PIP_DISABLE_PIP_VERSION_CHECK=1

.PHONY: demo test test-slow bench bench-peers bench-explore browser api lint venv lock clean

# Exact versions of everything from requirements.lock (torch==2.13.0+cpu is the CPU wheel
# present on these machines); then picojoule itself, editable, without resolving anything.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r $(LOCK)
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

# Regenerate the lock from pyproject.toml's ranges (all extras) with pip-tools.
lock:
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install -q pip-tools==7.6.2
	.lock-venv/bin/pip-compile -q --all-extras --strip-extras --no-emit-index-url \
		--no-emit-find-links --output-file $(LOCK) pyproject.toml

venv: $(STAMP)

# The main job on a built-in default (`picojoule demo`): the best mapping of every ResNet-18
# layer on Eyeriss, a table and the interactive HTML report out/demo-resnet18-eyeriss.html.
demo: $(STAMP)
	COLUMNS=$${COLUMNS:-160} $(BIN)/picojoule demo

# The report is checked in a real headless browser: Debian's Chromium, installed when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { echo "installing Debian's chromium (browser test)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
		>/dev/null; }

test: $(STAMP) browser
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

# Exhaustive checks (properties over thousands of cases, 10,000+ fuzz cases), then the
# mutation score of cost/, mapper/, analysis/ and compress/{formats,scales,calibrate}.py.
test-slow: $(STAMP) browser
	$(BIN)/python -m pytest -q -n 2 --dist loadfile -m slow
	$(BIN)/python benchmarks/mutation_score.py --budget 1800

# docs/api.md from the docstrings (a test checks it is current).
api: $(STAMP)
	$(BIN)/python scripts/gen_api.py

# Our own benchmarks (minutes). Side-by-side runs against peer tools, which install
# ZigZag / SCALE-Sim into ~/.cache/picojoule/peers and take longer, are `make bench-peers`.
OWN_BENCH  := cost_model_throughput mapper_throughput mapper_quality octav_speed \
              quantization_table pruning_table timeloop_fidelity cost_fingerprint \
              system_sweep_speed system_vs_published carbon_vs_published codesign_table

bench: $(STAMP)
	@for b in $(OWN_BENCH); do echo "== benchmarks/$$b.py"; \
		$(BIN)/python benchmarks/$$b.py || exit 1; done

# timeloop_exercises and sparse_vs_sparseloop read a checkout of the timeloop-accelergy-exercises
# repository in ~/.cache/picojoule/peers/timeloop-accelergy-exercises (or --exercises DIR).
bench-peers: $(STAMP)
	$(BIN)/python benchmarks/systolic_vs_scalesim.py
	$(BIN)/python benchmarks/mapper_vs_zigzag.py --fresh
	$(BIN)/python benchmarks/zigzag_inputs.py --fresh
	$(BIN)/python benchmarks/timeloop_exercises.py
	$(BIN)/python benchmarks/timeloop_constraints.py
	$(BIN)/python benchmarks/sparse_vs_sparseloop.py

# Design-space exploration of ResNet-18 around eyeriss on 1 and 2 Dask workers (minutes).
bench-explore: $(STAMP)
	$(BIN)/python benchmarks/explore_resnet18.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .lock-venv .pytest_cache .mypy_cache .ruff_cache
