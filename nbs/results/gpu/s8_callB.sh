#!/bin/bash
# Call B: carries .gpuB (the zip's last 11.8 MB, the FID statistics, fid.py) and .gpuE (the first 20 MB of the
# Inception network). Rebuilds the zip in /tmp/data and starts a 20-minute run of the small preset as it is
# (lr 1.6e-3) on an unused seed, 4, from a fresh start. A command may run 10 minutes, so this first segment is
# stopped with Ctrl-C (SIGINT) after 570 s: the run saves last.pt, and calls C and D resume it (its clock, LR
# schedule, data order and random state continue; each resume compiles again, inside the 20 minutes).
set -u
export PYTHONUNBUFFERED=1
test -f /tmp/carry/zip.part0 || { echo "no /tmp/carry/zip.part0: run call A first"; exit 1; }
mkdir -p /tmp/data && cat /tmp/carry/zip.part0 .gpuB/zip.part1 > /tmp/data/cifar10-jpeg-train.zip
cp .gpuB/*.npz .gpuB/fid.py .gpuE/inc.part0 /tmp/carry/
sha256sum /tmp/data/cifar10-jpeg-train.zip
timeout -s INT 570 python3 -m nano_sora.training.train --preset small --data /tmp/data/cifar10-jpeg-train.zip \
  --run-dir /tmp/runs/t20 --set train.minutes=20 train.seed=4 2>&1 | tr '\r' '\n' \
  | grep -v 'it/s\|s/it\|Warning\|warn\|^ *$' > $OUT/t20_seg1.log; tail -5 $OUT/t20_seg1.log
