#!/bin/bash
# GPU session 2026-12-03 (sixth), call A of back-to-back calls on one warm H200. Carries .gpuA (the first 43.5 MB of
# the CIFAR-10 train zip) into /tmp/carry for call B. Samples the pretrained model (`lr2s1`) with the package's new
# `sample.t_shift` (s6_sweep.py): Heun 13 at s = 0.5 (the fifth session's best, from its own loop: 7.346), and the
# shifted grid with Euler 25 and 50 and Heun 8; /tmp/pa_*.npy are scored in call C.
set -u
export PYTHONUNBUFFERED=1
mkdir -p /tmp/carry && cp .gpuA/zip.part0 /tmp/carry/
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name())"
PYTHONPATH=. python3 nbs/results/gpu/s6_sweep.py pretrained $OUT/sweep_pretrained.json pa h13_s0.5 e50_s0.5 e25_s0.5 \
  h8_s0.5 2>&1 | grep -v Warning
