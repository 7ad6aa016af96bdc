# nano_sora: the two commands that do everything on a fresh machine are `make train` and `make test`.
VENV    ?= .venv
PY      := $(VENV)/bin/python
BIN     := $(VENV)/bin
MIRROR  := $(wildcard ../shared/data/cifar10/cifar10-jpeg-train.zip)
DATA    ?= $(or $(MIRROR),cifar10)
PRESET  ?=
RESUME  ?=
RUN     ?=
ARGS    ?=
CKPT    ?= pretrained
SAMPLER ?=
STEPS   ?=
N       ?= 64
OUT     ?= samples.png

.PHONY: install train train-small train-debug sample sample-heun sample-rk4 inference inference-heun speedrun test lint battery notebooks run-all outputs outputs-check export sync-check readme docs preview lab clean

install: $(VENV)/.installed

$(VENV)/.installed: setup.py settings.ini pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

# An interrupted run ends with the command that continues it: the trainer prints $NANO_SORA_RESUME_HINT, the make
# command, instead of its own. RESUME=1 continues the run in RUN (default runs/PRESET) with its own config.yaml.
RESUME_HINT = NANO_SORA_RESUME_HINT="make $@ RESUME=1$(if $(PRESET), PRESET=$(PRESET))$(if $(RUN), RUN=$(RUN))"
TRAIN_RUN   = $(or $(RUN),$(if $(PRESET),runs/$(PRESET)))

train: install           ## train (PRESET: rtx4060 with a GPU, cpu without; DATA=cifar10|folder|zip; RESUME=1 continues; ARGS=...)
	$(RESUME_HINT) $(BIN)/nano_sora_train $(if $(TRAIN_RUN),--run-dir $(TRAIN_RUN)) \
	  $(if $(RESUME),--resume,$(if $(PRESET),--preset $(PRESET)) --data $(DATA)) $(ARGS)

train-small: install     ## the 8 GB recipe in micro-batches of 16 for a smaller GPU: batch 64 as 4 x 16 (train.grad_accum=4), the same learning rule
	$(RESUME_HINT) $(BIN)/nano_sora_train --run-dir $(or $(RUN),runs/small-batch) $(if $(RESUME),--resume,--preset \
	  $(or $(PRESET),rtx4060) --data $(DATA) --set train.grad_accum=4) $(ARGS)

train-debug: install     ## a whole run on a CPU in under two minutes: tiny preset, 1,000 images, a checkpoint, a sample grid
	rm -rf runs/debug
	$(BIN)/nano_sora_train --preset tiny --device cpu --data $(DATA) --run-dir runs/debug --epochs 2 \
	  --set data.limit=1000 train.log_every=20 train.sample_every_epochs=0
	$(BIN)/nano_sora_sample --ckpt runs/debug --device cpu --n 20 --out runs/debug/samples.png

sample: install          ## CKPT=run folder, .pt or pretrained; N images; OUT=.png grid, .npy array or .gif; SAMPLER=euler|heun|rk4 (ddpm|ddim for a DDPM run) and STEPS= (default: the run's)
	$(BIN)/nano_sora_sample --ckpt $(CKPT) --n $(N) --out $(OUT) $(if $(SAMPLER),--sampler $(SAMPLER)) \
	  $(if $(STEPS),--steps $(STEPS)) $(ARGS)

# the variants set SAMPLER and STEPS for the one recipe above (a target's variables reach its prerequisites)
sample-heun: SAMPLER = heun
sample-heun: STEPS = 25
sample-heun: sample      ## the same with 25 Heun steps (49 model evaluations)

sample-rk4: SAMPLER = rk4
sample-rk4: STEPS = 13
sample-rk4: sample       ## the same with 13 RK4 steps (51 model evaluations)

inference: sample        ## the same as sample: make inference CKPT=path/to/checkpoint.pt N=16
inference-heun: sample-heun   ## the same as sample-heun

speedrun: install        ## train PRESET (small) from a fresh start for MINUTES (5), sample with its recipe, score FID-10k, append to nbs/results/records.jsonl (SEEDS="7 8")
	$(BIN)/nano_sora_speedrun --preset $(or $(PRESET),small) --minutes $(or $(MINUTES),5) --seeds $(or $(SEEDS),0) $(ARGS)

test: lint outputs-check notebooks battery   ## everything CI runs: lint, committed outputs, every lesson's checks, the battery

outputs-check: install   ## every lesson is committed with outputs and a picture, no error output, under 3 MB
	$(PY) tests/check_outputs.py

lint: install            ## ruff (pyflakes rules, line length) and the package's layers, cycles, function and line lengths
	$(BIN)/ruff check nano_sora tests
	$(PY) tests/check_structure.py
	$(PY) tests/check_words.py
	@echo "lint: ok"

# One notebook at a time: on the 2-core CI box two workers doubled each notebook's time (lesson 6: 60 s instead of 19 s)
# and the whole of .ci/run was slower with them (6 min 24 s against 5 min 41 s); one worker gets both cores' threads.
# Without a GPU (no nvidia-smi) the `#| gpu` cells run too, as Run All runs them: each says in one line that it needs
# a GPU and skips. With a GPU they are skipped here (they train for minutes): `make notebooks GPU_CELLS=--flags\ gpu`.
GPU_CELLS ?= $(if $(shell command -v nvidia-smi),,--flags gpu)
notebooks: install       ## every lesson top to bottom on the CPU, as Run All (with a GPU: the #| gpu cells skipped)
	OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 $(BIN)/nbdev_test --n_workers 1 --do_print --timing $(GPU_CELLS)

run-all: install         ## every lesson in a Jupyter kernel, as JupyterLab's Run All (tests/run_all.py; NB="07 08" picks)
	OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 $(PY) tests/run_all.py $(NB) $(ARGS)

outputs: install         ## execute the lessons and save their outputs in place (commit them), then check them
	OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 $(PY) tests/run_all.py --inplace $(NB)
	$(BIN)/nbdev_clean
	$(PY) tests/check_outputs.py

battery: install         ## kill -9, Ctrl-C, divergence, hostile checkpoints, foreign folders, two processes, full disk, bad values
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m pytest -q -s -p no:cacheprovider tests/

export: install          ## notebooks -> nano_sora/
	$(BIN)/nbdev_export

sync-check: install      ## fail if nano_sora/ is not exactly what the notebooks export
	$(BIN)/nbdev_export
	@git diff --quiet --exit-code -- nano_sora && test -z "$$(git status --porcelain -- nano_sora)" \
	  || { echo "nano_sora/ differs from what nbs/ exports: run 'make export' and commit both"; git status --porcelain -- nano_sora; exit 1; }

# nbdev_docs, nbdev_preview and nbdev_readme run Quarto as `quarto` from PATH; Quarto is not a Python package, so no
# pip extra installs it. Without it nbdev would download Quarto and `sudo dpkg -i` it: these targets stop first instead.
NO_QUARTO = quarto is not on PATH: install Quarto (https://quarto.org/docs/get-started/), then run make again
.PHONY: need-quarto
need-quarto:
	$(if $(shell command -v quarto),,$(error $(NO_QUARTO)))

readme: install          ## README.md from nbs/index.ipynb: its markdown cells, one after another (make lint checks they agree)
	$(PY) tests/check_words.py --write-readme

# A clean build each time (no stale page of a renamed notebook). No cell runs: not in nbdev (skip_procs in settings.ini)
# nor in Quarto (nbs/_quarto.yml); the pages show the outputs saved in the notebooks.
docs: need-quarto install     ## the documentation site in _docs/ from the notebooks, offline (nbdev_proc_nbs, then quarto render; needs Quarto)
	rm -rf _proc
	$(BIN)/nbdev_proc_nbs
	cd _proc && quarto render --no-cache
	rm -rf _docs && mv _proc/_docs _docs
	@echo "docs: $$(find _docs -name '*.html' | wc -l) pages in _docs/"

preview: need-quarto install  ## serve the site locally and rebuild a page when its notebook changes (nbdev_preview; ARGS="--port 4000 --no_browser"; needs Quarto)
	$(BIN)/nbdev_preview $(ARGS)

lab: install              ## JupyterLab on the lessons in nbs/ (ARGS="--port 8899 --no-browser"; as root, which Jupyter refuses by default, ARGS=--allow-root)
	$(BIN)/jupyter lab nbs $(ARGS)

clean:
	rm -rf $(VENV) *.egg-info _proc _docs nbs/nbdev.yml nbs/sidebar.yml

.PHONY: browser-test
# Debian's chromium only if it is missing, and only if that upgrades no installed package: --no-upgrade guards only the
# package named, and chromium's Recommends (udev, avahi, cups, perl modules) upgraded systemd and perl on a Debian 12
# box; without them it installs 25 new packages and upgrades none. Playwright drives it (executable_path): no download.
NO_CHROMIUM = "chromium was not installed: apt-get failed, or installing it would upgrade the installed packages listed above"
browser-test: install    ## lessons 7, 8 and 15 in one JupyterLab in headless Chromium (Playwright): cells run clean, the panels draw and redraw; screenshots in runs/browser-test/ (ARGS="08 --jobs 1")
	@test -x /usr/bin/chromium || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); APT="$$SUDO apt-get -q --no-upgrade --no-install-recommends"; \
	  $$SUDO apt-get update -q && ! $$APT -s install chromium | grep -E '^Inst [^ ]+ \[' && $$APT -y install chromium \
	  || { echo $(NO_CHROMIUM); exit 1; }; }
	@$(PY) -c 'import playwright' 2>/dev/null || $(PY) -m pip install -q playwright
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) tests/browser_test.py $(ARGS)
