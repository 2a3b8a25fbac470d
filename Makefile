# flambeau: `make run` and `make test` set everything up (in .venv) and do their job.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# PyTorch is the reference of the parity tests; set TORCH_SPEC= to do without it (they then skip).
TORCH_SPEC ?= torch==2.13.0
PYTEST_ARGS ?=

.PHONY: run test bench loadtest lint notebooks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstalled only when pyproject.toml changes: quick when nothing changed.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

$(VENV)/.torch: | $(VENV)/.installed
	@if [ -n "$(TORCH_SPEC)" ]; then \
	  $(BIN)/python -m pip install -q "$(TORCH_SPEC)" \
	  || echo "warning: could not install $(TORCH_SPEC): the PyTorch parity tests will be skipped"; \
	fi
	touch $@

# The main job: the playground, on http://127.0.0.1:8000/ (PORT=8001 make run to change it).
PORT ?= 8000
run: $(VENV)/.installed
	$(BIN)/flambeau playground --port $(PORT)

test: $(VENV)/.installed $(VENV)/.torch
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

# OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE, set on some machines to work around old OpenBLAS bugs, pin
# a slower kernel for current NumPy: the benchmarks run without them (the header names the kernel).
bench: $(VENV)/.installed $(VENV)/.torch
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python benchmarks/run.py

# The playground under a class's load: STUDENTS sessions on loopback for SECONDS (benchmarks/playground_load.py).
STUDENTS ?= 30
SECONDS ?= 30
loadtest: $(VENV)/.installed
	$(BIN)/python benchmarks/playground_load.py --students $(STUDENTS) --seconds $(SECONDS)

notebooks: $(VENV)/.installed
	$(BIN)/python -m pip install -q notebook
	$(BIN)/jupyter notebook notebooks/

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
