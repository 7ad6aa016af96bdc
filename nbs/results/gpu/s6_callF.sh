#!/bin/bash
# Call F: carries .gpuD (the zip's last 8.3 MB, the FID statistics, fid.py, call B's lr4s1.safetensors). Autoguidance
# with a guide from another run: a fresh small run (lr 3.2e-3, seed 0, train.minutes=5) is stopped at its first
# checkpoint (epoch 10), the same point as call B's _ag1 guide, and guides lr4s1 and the pretrained model (lr2s1).
set -u
export PYTHONUNBUFFERED=1
test -f /tmp/carry/zip.part0 || { echo "no /tmp/carry/zip.part0: run call E first"; exit 1; }
mkdir -p /tmp/data && cat /tmp/carry/zip.part0 .gpuD/zip.part1 > /tmp/data/cifar10-jpeg-train.zip && cp .gpuD/*.npz .gpuD/fid.py /tmp/carry/
sha256sum /tmp/data/cifar10-jpeg-train.zip
python3 -m nano_sora.training.train --preset small --data /tmp/data/cifar10-jpeg-train.zip --run-dir /tmp/runs/g10 \
  --set train.minutes=5 train.lr=3.2e-3 train.seed=0 > /tmp/g10.log 2>&1 &
until ls /tmp/runs/g10/checkpoints/step_*.pt > /dev/null 2>&1; do sleep 1; done; kill -TERM $!; wait
g=$(ls /tmp/runs/g10/checkpoints/step_*.pt | head -1); echo "guide $g"
PYTHONPATH=. python3 nbs/results/gpu/s6_sweep.py .gpuD/lr4s1.safetensors $OUT/sweep_lr4s1_g10.json lr4s1g \
  e25_g2.0_i0-1_ag1 e25_g1.5_i0-1_ag1 h13_s0.5_g2.0_i0-1_ag1 --guides $g 2>&1 | grep -v Warning
PYTHONPATH=. python3 nbs/results/gpu/s6_sweep.py pretrained $OUT/sweep_pretrained_g10.json pag \
  e25_g2.0_i0-1_ag1 h13_s0.5_g2.0_i0-1_ag1 --guides $g 2>&1 | grep -v Warning
