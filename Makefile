# Two commands on a fresh machine: `make demo` and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.picojoule-installed
LOCK   := requirements.lock
export PIP_DISABLE_PIP_VERSION_CHECK=1

.PHONY: demo test test-slow bench bench-peers lint venv lock clean

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

# The main job on a built-in default: the best mapping of every ResNet-18 layer on Eyeriss,
# a table and an HTML report (energy per layer stacked by level, pJ/MAC, utilization).
demo: $(STAMP)
	COLUMNS=$${COLUMNS:-160} $(BIN)/picojoule analyze resnet18 --arch eyeriss \
		--report out/demo-resnet18-eyeriss.html

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile -m slow

# Our own benchmarks (minutes). Side-by-side runs against peer tools, which install
# ZigZag / SCALE-Sim into ~/.cache/picojoule/peers and take longer, are `make bench-peers`.
OWN_BENCH  := cost_model_throughput mapper_throughput mapper_quality octav_speed \
              quantization_table pruning_table

bench: $(STAMP)
	@for b in $(OWN_BENCH); do echo "== benchmarks/$$b.py"; \
		$(BIN)/python benchmarks/$$b.py || exit 1; done

bench-peers: $(STAMP)
	$(BIN)/python benchmarks/systolic_vs_scalesim.py
	$(BIN)/python benchmarks/mapper_vs_zigzag.py --fresh

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .lock-venv .pytest_cache .mypy_cache .ruff_cache
