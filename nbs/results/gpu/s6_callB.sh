#!/bin/bash
# Call B: carries .gpuB (the zip's last 8.3 MB, the FID reference statistics, fid.py); rebuilds the zip in /tmp/data
# and checks it; the second seed of lr 3.2e-3 (seed 0 scored 7.79 at Euler 25 in the fourth session), swept with the
# uniform and shifted grids and with autoguidance by its epoch-10 and epoch-30 checkpoints.
set -u
test -f /tmp/carry/zip.part0 || { echo "no /tmp/carry/zip.part0: run call A first"; exit 1; }
mkdir -p /tmp/data && cat /tmp/carry/zip.part0 .gpuB/zip.part1 > /tmp/data/cifar10-jpeg-train.zip && cp .gpuB/*.npz .gpuB/fid.py /tmp/carry/
sha256sum /tmp/data/cifar10-jpeg-train.zip
bash nbs/results/gpu/s6_train.sh lr4s1 "e25 h13_s0.5 e50 e25_g2.0_i0-1_ag1 e25_g2.0_i0-1_ag2" \
  train.lr=3.2e-3 train.seed=1
