#!/bin/bash
# GPU session 2026-12-02 (fifth), call A of back-to-back calls on one warm H200. Carries .gpuA (the first half of the
# CIFAR-10 train zip, the FID reference statistics, fid.py) into /tmp/carry. Samples the pretrained model (lr2s1, of
# which only Euler 25 was scored) with the presets' guidance: Euler 25 (again: it scored 8.33), Heun 13 and Euler 50
# on the uniform grid, and the time grid with s < 1 (s4_sweep.py), kept in /tmp/pa_*.npy for call D's FID-10k.
set -u
export PYTHONUNBUFFERED=1
mkdir -p /tmp/carry && cp .gpuA/* /tmp/carry/
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name())"
PYTHONPATH=. python3 nbs/results/gpu/s4_sweep.py pretrained $OUT/sweep_pretrained.json pa e25 h13 e50 h13_s0.5 \
  h13_s0.75 e25_s0.75 2>&1 | grep -v Warning
