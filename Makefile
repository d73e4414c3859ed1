# The two commands: `make run` (set up, fetch models, ingest seeds/, start the app) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
LLAMA_VERSION := 0.3.36
# A portable CPU build: AVX2, no -march=native (its AMX kernels crash in some VMs) and no AVX-512,
# so the wheel runs on any x86-64 machine with AVX2.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_BMI2=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF \
	-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF
LLAMA_WHEEL_STAMP := .wheels/llama-$(LLAMA_VERSION).stamp
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

DPG_DOCS ?= /tmp/dpg
DPG_STORE ?= /tmp/dpg-store

.PHONY: install models ingest run chat test unit integration browser chromium lint typecheck \
	clean corpus eval-seeds eval-dpg bench

install: $(VENV)/.installed

$(LLAMA_WHEEL_STAMP):
	@mkdir -p .wheels
	@echo "building llama-cpp-python $(LLAMA_VERSION) (about 5 minutes on 2 cores, once)"
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PYTHON) -m pip --disable-pip-version-check wheel \
		--no-cache-dir --no-deps -w .wheels llama-cpp-python==$(LLAMA_VERSION)
	touch $@

$(VENV)/.installed: pyproject.toml $(LLAMA_WHEEL_STAMP)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q .wheels/llama_cpp_python-$(LLAMA_VERSION)-*.whl
	$(PIP) install -q -e ".[dev]"
	touch $@

models: install
	$(VENV)/bin/assistant models pull

ingest: models
	$(VENV)/bin/assistant ingest seeds

run: ingest
	$(PY) app.py

chat: ingest
	$(VENV)/bin/assistant chat

lint: install
	$(VENV)/bin/ruff check .

typecheck: install
	$(VENV)/bin/mypy

unit: install
	$(PY) -m pytest -m "not integration" -q

integration: models
	$(PY) -m pytest -m integration -q

# Debian's Chromium for the browser tests (Playwright drives it; never `playwright install`).
chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && apt-get install -y -qq chromium; }

browser: models chromium
	$(PY) -m pytest -m browser -q -s

test: models chromium lint typecheck
	$(PY) -m pytest -q --durations=10

corpus: install
	$(PY) evals/write_corpus.py --out $(DPG_DOCS)

eval-seeds: models
	$(VENV)/bin/assistant eval --gold evals/seeds.jsonl --docs seeds --out reports/seeds

eval-dpg: models corpus
	$(VENV)/bin/assistant eval --gold evals/dpg.jsonl --docs $(DPG_DOCS) --store $(DPG_STORE) \
		--out reports/dpg

# Benchmarks (scripts, not tests): run them alone, they measure the machine.
bench: models
	$(PY) bench/ingest.py --limit 200
	$(PY) bench/retrieval.py
	$(PY) bench/answer.py --limit 10

clean:
	rm -rf $(VENV) .wheels .assistant .pytest_cache .mypy_cache .ruff_cache .hypothesis
