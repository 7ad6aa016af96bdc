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
N       ?= 64
OUT     ?= samples.png

.PHONY: install train train-small train-debug sample sample-heun test lint battery notebooks export sync-check readme lab clean

install: $(VENV)/.installed

$(VENV)/.installed: setup.py settings.ini
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

# an interrupted `make train` ends with the make command that continues it
RESUME_HINT = { code=$$?; [ $$code -eq 130 ] && echo "resume with: make $@ RESUME=1$(if $(PRESET), PRESET=$(PRESET))$(if $(RUN), RUN=$(RUN))"; exit $$code; }

train: install           ## train (PRESET: rtx4060 with a GPU, cpu without; DATA=cifar10|folder|zip; RESUME=1 continues; ARGS=...)
	$(BIN)/nano_sora_train $(if $(PRESET),--preset $(PRESET)) $(if $(RUN),--run-dir $(RUN)) \
	  $(if $(RESUME),--resume,--data $(DATA)) $(ARGS) || $(RESUME_HINT)

train-small: install     ## the spec's model at batch 16, for a small GPU (lr scaled to 1.5e-4)
	$(BIN)/nano_sora_train --preset $(or $(PRESET),rtx4060) --run-dir $(or $(RUN),runs/small-batch) \
	  $(if $(RESUME),--resume,--data $(DATA) --set train.batch_size=16 train.lr=1.5e-4) $(ARGS) || $(RESUME_HINT)

train-debug: install     ## a whole run on a CPU in under two minutes: tiny preset, 1,000 images, a checkpoint, a sample grid
	rm -rf runs/debug
	$(BIN)/nano_sora_train --preset tiny --device cpu --data $(DATA) --run-dir runs/debug --epochs 2 \
	  --set data.limit=1000 train.log_every=20 train.sample_every_epochs=0
	$(BIN)/nano_sora_sample --ckpt runs/debug --device cpu --n 20 --out runs/debug/samples.png

sample: install          ## CKPT=run folder, .pt or pretrained; N images; OUT=.png grid, .npy array or .gif
	$(BIN)/nano_sora_sample --ckpt $(CKPT) --n $(N) --out $(OUT) $(ARGS)

sample-heun: install     ## the same with 25 Heun steps (49 model evaluations)
	$(BIN)/nano_sora_sample --ckpt $(CKPT) --n $(N) --out $(OUT) --sampler heun --steps 25 $(ARGS)

test: lint notebooks battery   ## everything CI runs: lint, every notebook's checks, the reliability battery

lint: install            ## ruff (pyflakes rules, line length) and the package's layers, cycles, function and line lengths
	$(BIN)/ruff check nano_sora tests
	$(PY) tests/check_structure.py
	@echo "lint: ok"

# One notebook at a time: on the 2-core CI box two workers doubled each notebook's time (lesson 6: 60 s instead of 19 s)
# and the whole of .ci/run was slower with them (6 min 24 s against 5 min 41 s).
notebooks: install       ## run every notebook's checks on the CPU (cells flagged #| gpu are skipped)
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/nbdev_test --n_workers 1 --do_print --timing

battery: install         ## kill -9, Ctrl-C, divergence, hostile checkpoints, foreign folders, two processes, full disk, bad values
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m pytest -q -s -p no:cacheprovider tests/test_reliability.py

export: install          ## notebooks -> nano_sora/
	$(BIN)/nbdev_export

sync-check: install      ## fail if nano_sora/ is not exactly what the notebooks export
	$(BIN)/nbdev_export
	@git diff --quiet --exit-code -- nano_sora && test -z "$$(git status --porcelain -- nano_sora)" \
	  || { echo "nano_sora/ differs from what nbs/ exports: run 'make export' and commit both"; git status --porcelain -- nano_sora; exit 1; }

readme: install          ## README.md from nbs/index.ipynb
	$(BIN)/jupyter nbconvert --to markdown nbs/index.ipynb --output-dir . --output README --log-level WARN

lab: install
	$(BIN)/jupyter lab nbs

clean:
	rm -rf $(VENV) *.egg-info _proc _docs

.PHONY: browser-test
browser-test: install    ## lesson 8 in JupyterLab driven by headless Chromium (Playwright): cells run clean, the sampler panel shows an image; screenshot in runs/browser-test/
	@test -x /usr/bin/chromium || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); $$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium; }
	@$(PY) -c 'import playwright' 2>/dev/null || $(PY) -m pip install -q playwright
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) tests/browser_test.py
