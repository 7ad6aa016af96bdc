#!/bin/bash
# Call B: carries .gpuB (the zip's second half), rebuilds the zip in /tmp/data and checks it; starts the 20-minute
# run of the small preset (seed 0) from a fresh start. A command may run 10 minutes, so this first segment is stopped
# with Ctrl-C (SIGINT) after 540 s: the run saves last.pt and calls C and D resume it (its clock, LR schedule, data
# order and random state continue; each resume compiles again, and that time counts in the 20 minutes).
set -u
export PYTHONUNBUFFERED=1
mkdir -p /tmp/data && cat /tmp/carry/zip.part0 .gpuB/zip.part1 > /tmp/data/cifar10-jpeg-train.zip
sha256sum /tmp/data/cifar10-jpeg-train.zip
timeout -s INT 540 python3 -m nano_sora.training.train --preset small --data /tmp/data/cifar10-jpeg-train.zip \
  --run-dir /tmp/runs/m20 --set train.minutes=20 2>&1 | tr '\r' '\n' | grep -v 'it/s\|s/it\|Warning\|warn\|^ *$' \
  > $OUT/m20_seg1.log; tail -4 $OUT/m20_seg1.log
