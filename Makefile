# Two commands do everything on a fresh Debian / Raspberry Pi OS box:
#   make run    - set up, then start the kiosk with config.yaml and the shipped discs
#   make test   - set up, then run the test suite (headless)
VENV   ?= .venv
PY     := $(VENV)/bin/python
CONFIG ?= config.yaml
ARGS   ?=

.PHONY: run windowed test test-fast lint check screenshot content bench soak install-service clean

$(PY):
	scripts/system-deps.sh run
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# One set-up serves run, test and check: the test tools are small, and a second marker made
# `make run` after `make test` reinstall everything.
$(VENV)/.ready: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

$(VENV)/.bench-ready: $(VENV)/.ready
	$(PY) -m pip install --quiet -e ".[test,bench]"
	touch $@

run: $(VENV)/.ready
	$(PY) -m installation --config $(CONFIG) run $(ARGS)

windowed: $(VENV)/.ready
	$(PY) -m installation --config $(CONFIG) run --windowed $(ARGS)

# The suite runs in parallel (pytest-xdist): each worker has its own PulseAudio, X displays,
# ports and data folders. WORKERS=1 runs it in one process. The slowest 15 are named at the end.
WORKERS ?= 4
test: $(VENV)/.ready lint
	scripts/system-deps.sh test
	$(PY) -m pytest -q -n $(WORKERS) --durations=15 $(ARGS)

# The inner loop: everything but the end-to-end runs, the soak and the benches (under a minute).
test-fast: $(VENV)/.ready lint
	scripts/system-deps.sh test
	$(PY) -m pytest -q -n $(WORKERS) -m "not slow" $(ARGS)

lint: $(VENV)/.ready
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

check: $(VENV)/.ready
	$(PY) -m installation --config $(CONFIG) check

screenshot: $(VENV)/.ready
	$(PY) -m installation --config $(CONFIG) screenshot --out screenshot.png $(ARGS)

# Regenerate the shipped discs (needs: apt-get install fluidsynth fluid-soundfont-gm).
content: $(VENV)/.ready
	$(PY) -m pip install --quiet -e ".[content]"
	$(PY) tools/make_default_content.py

# Speed figures, each against a baseline measured in the same run (minutes, not part of `make test`).
bench: $(VENV)/.bench-ready
	$(PY) bench/bench_dsp.py
	$(PY) bench/bench_osc.py
	$(PY) bench/bench_audio.py
	$(PY) bench/bench_frames.py
	$(PY) bench/bench_console.py

# Days of gallery time in minutes: the real kiosk headless, a fast clock, simulated visitors and OSC.
HOURS ?= 72
soak: $(VENV)/.ready
	$(PY) bench/soak.py --hours $(HOURS)

install-service: $(VENV)/.ready
	scripts/install-service.sh

clean:
	rm -rf $(VENV) .pytest_cache
