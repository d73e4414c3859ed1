# The two commands: `make run` (set up, fetch models, ingest seeds/, start the app) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
LLAMA_VERSION := 0.3.36
# llama.cpp is built for the CPU that runs `make`: each SIMD extension the CPU reports
# (/proc/cpuinfo) is turned on, AMX always off (its kernels crashed a native build here).
# LLAMA_BUILD=portable gives the AVX2-only wheel that runs on any x86-64 machine with AVX2.
# Wheels live in .wheels/<flavour>-<hash of the flags>/, so a checkout moved to another CPU
# builds its own instead of reusing one with instructions that CPU lacks.
LLAMA_BUILD ?= native
CPU_FLAGS := $(shell grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2)
cpu_has = $(if $(filter $(1),$(CPU_FLAGS)),ON,OFF)
LLAMA_COMMON_ARGS := -DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF \
	-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF
LLAMA_PORTABLE_ARGS := -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
	-DGGML_AVX_VNNI=OFF -DGGML_AVX512=OFF
LLAMA_NATIVE_ARGS := -DGGML_AVX=$(call cpu_has,avx) -DGGML_AVX2=$(call cpu_has,avx2) \
	-DGGML_FMA=$(call cpu_has,fma) -DGGML_F16C=$(call cpu_has,f16c) -DGGML_BMI2=$(call cpu_has,bmi2) \
	-DGGML_AVX_VNNI=$(call cpu_has,avx_vnni) -DGGML_AVX512=$(call cpu_has,avx512f) \
	-DGGML_AVX512_VBMI=$(call cpu_has,avx512vbmi) -DGGML_AVX512_VNNI=$(call cpu_has,avx512_vnni) \
	-DGGML_AVX512_BF16=$(call cpu_has,avx512_bf16)
LLAMA_CMAKE_ARGS := $(LLAMA_COMMON_ARGS) \
	$(if $(filter portable,$(LLAMA_BUILD)),$(LLAMA_PORTABLE_ARGS),$(LLAMA_NATIVE_ARGS))
LLAMA_WHEEL_DIR := .wheels/$(LLAMA_BUILD)-$(shell echo '$(LLAMA_CMAKE_ARGS)' | md5sum | cut -c1-10)
LLAMA_WHEEL_STAMP := $(LLAMA_WHEEL_DIR)/llama-$(LLAMA_VERSION).stamp
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

DPG_DOCS ?= /tmp/dpg
DPG_STORE ?= /tmp/dpg-store

.PHONY: install llama-wheel models ingest run chat test unit integration browser chromium lint typecheck \
	clean corpus eval-seeds eval-dpg bench

install: $(VENV)/.installed

# just the wheel (`make llama-wheel LLAMA_BUILD=portable` for bench/llama_builds.py to compare)
llama-wheel: $(LLAMA_WHEEL_STAMP)

$(LLAMA_WHEEL_STAMP):
	@mkdir -p $(LLAMA_WHEEL_DIR)
	@echo "building llama-cpp-python $(LLAMA_VERSION), $(LLAMA_BUILD) (about 7 minutes on 2 cores, once)"
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PYTHON) -m pip --disable-pip-version-check wheel \
		--no-cache-dir --no-deps -w $(LLAMA_WHEEL_DIR) llama-cpp-python==$(LLAMA_VERSION)
	touch $@

$(VENV)/.installed: pyproject.toml $(LLAMA_WHEEL_STAMP)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q --force-reinstall --no-deps $(LLAMA_WHEEL_DIR)/llama_cpp_python-$(LLAMA_VERSION)-*.whl
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
	$(VENV)/bin/lint-imports --no-cache

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
	$(PY) -m pytest -q -rs --durations=10

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
	$(PY) bench/llama_builds.py
	$(PY) bench/answer.py --seeds 10 --dpg 10

clean:
	rm -rf $(VENV) .wheels .assistant .pytest_cache .mypy_cache .ruff_cache .hypothesis
