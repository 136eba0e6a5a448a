# Set-up on a fresh machine, then the workflow (`make run`) or the tests (`make test`).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
# Re-install when the pins change.
INSTALLED := $(VENV)/.installed
# Programs the workflow runs; each comes in the Debian package of the same name.
# (ffmpeg: stage 0 decodes M4A/AAC and what libsndfile cannot read through it, and torchaudio
# 2.11 decodes audio through it when F5-TTS loads the dataset; sox: the resampling reference the
# tests compare with, and the demo generator; espeak-ng: renders a long recording's text to align
# it (segmentation), and the synthetic speech of the demo generator and the benchmarks.)
SYSTEM_TOOLS := sox ffmpeg espeak-ng
# The SLURM tests start a real single-node SLURM (tests/slurm_cluster.py), the review page's test
# opens the report in headless Chromium; without these they are skipped with the reason printed.
TEST_PACKAGES := slurm-wlm munge chromium chromium-driver
TEST_PROGRAMS := slurmctld slurmd munged sbatch chromium chromedriver
export PATH := $(BIN):$(PATH)

# The bundled demo's configuration (offline, tiny stand-in model, CPU). Without it the workflow
# fine-tunes the real F5TTS_v1_Base on the input_dir and dataset_name you give (README).
DEMO := --configfile config/demo.yaml

.PHONY: run test bench dryrun rulegraph report screenshots system-deps test-system-deps install clean

run: install
	snakemake --cores all $(DEMO)

test: install test-system-deps
	pytest
	snakemake --lint $(DEMO)
	snakefmt --check .

dryrun: install
	snakemake -n $(DEMO)

# The picture in the README (needs graphviz's `dot`: Debian package graphviz).
rulegraph: install
	@command -v dot >/dev/null || { echo "rulegraph needs dot: apt-get install graphviz" >&2; exit 1; }
	snakemake --rulegraph $(DEMO) | dot -Tsvg > resources/rulegraph.svg

# The demo run's report: figures, pages, samples and the rule graph in one HTML file.
report: run
	snakemake --report report.html $(DEMO)

# The pictures of that report in docs/ that the README shows, taken with headless Chromium
# (Debian package chromium, installed here as root when missing).
CHROMIUM := chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --virtual-time-budget=8000 --log-level=3
screenshots: report
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; } || \
		{ echo "screenshots need Chromium: apt-get install chromium" >&2; exit 1; }
	$(CHROMIUM) --window-size=1400,1000 --screenshot=docs/report.png file://$(CURDIR)/report.html
	$(CHROMIUM) --window-size=1100,1500 --screenshot=docs/report-samples.png file://$(CURDIR)/reports/demo_vi/samples.html
	$(CHROMIUM) --window-size=1500,900 --screenshot=docs/report-review.png file://$(CURDIR)/reports/demo_vi/review.html
	cp reports/demo_vi/training_curves.png docs/report-training-curves.png

install: system-deps $(INSTALLED)

system-deps:
	@missing=""; \
	for tool in $(SYSTEM_TOOLS); do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian packages for:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $$missing >/dev/null || exit 1; \
	else \
		echo "f5flow needs these programs on PATH:$$missing" >&2; \
		echo "install them (Debian/Ubuntu: sudo apt-get install$$missing) and re-run make" >&2; \
		exit 1; \
	fi

# Best effort: a machine where they cannot be installed still runs every other test.
test-system-deps:
	@missing=""; \
	for prog in $(TEST_PROGRAMS); do PATH="$$PATH:/usr/sbin:/sbin" command -v $$prog >/dev/null || missing=yes; done; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian packages for the SLURM and browser tests: $(TEST_PACKAGES)"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $(TEST_PACKAGES) >/dev/null) \
			|| echo "could not install $(TEST_PACKAGES): the SLURM and browser tests will be skipped" >&2; \
	else \
		echo "not root or no apt-get: the SLURM and browser tests will be skipped (they need $(TEST_PACKAGES))" >&2; \
	fi

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[train,test]'
	touch $@

clean:
	rm -rf data work logs samples reports report.html .snakemake

# Measurements against baselines (minutes; needs espeak-ng and ~15 GB under benchmarks/.cache).
bench: install
	cd benchmarks && python run_all.py
