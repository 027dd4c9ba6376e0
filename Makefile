# Two commands on a fresh machine:  make run  (dashboard on demo data)  ·  make test  (every test)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
# Loopback unless told otherwise; another address needs sign-in in .streamlit/secrets.toml (README).
ADDRESS ?= 127.0.0.1

.PHONY: run test check lint types bench model

$(VENV)/.run-deps: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: $(VENV)/.run-deps requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Debian's Chromium for the real-browser test (Playwright's own browser download does not work here).
/usr/bin/chromium:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

# A Java runtime for Spark's local mode in the cohort engine test (pyspark starts a JVM).
/usr/bin/java:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null

run: $(VENV)/.run-deps
	$(PY) app_launch.py --server.headless true --server.address $(ADDRESS) --server.port $(PORT)

test: $(VENV)/.dev-deps /usr/bin/chromium /usr/bin/java
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest -q -n 2 --dist loadfile --ignore=tests/cohort
	# The Spark/process-pool cohort tests start their own JVM and workers: alone, so they never compete for the cores.
	$(PY) -m pytest -q tests/cohort

# The edit loop: lint, types and the fast tests (no browser, no real-server or subprocess-heavy suites).
check: $(VENV)/.dev-deps
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest -q -n 2 --dist loadfile -m "not slow"

types: $(VENV)/.dev-deps
	$(PY) -m mypy

lint: $(VENV)/.dev-deps
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

bench: $(VENV)/.dev-deps
	$(PY) -m core bench all

# Opt-in, never part of run/test: the embedded local model (llama.cpp server + SmolLM2-135M GGUF).
# Compiles llama.cpp from source on every core (CMAKE_BUILD_PARALLEL_LEVEL): ~6.5 min on 2 idle cores, more on busy
# ones; prints how long it took.
NPROC := $(shell nproc 2>/dev/null || echo 2)
model: $(VENV)/.run-deps
	@echo "building llama-cpp-python on $(NPROC) cores (several minutes)…"
	@start=$$(date +%s); \
	CMAKE_BUILD_PARALLEL_LEVEL=$(NPROC) CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAMA_CURL=OFF" \
		$(PY) -m pip install -r requirements-model.txt || exit $$?; \
	elapsed=$$(( $$(date +%s) - start )); \
	echo "make model: done in $$((elapsed / 60)) min $$((elapsed % 60)) s on $(NPROC) cores"
