#!/bin/bash
# Call B: carries .gpuB (the zip's second half), rebuilds the zip in /tmp/data and checks it; then the 75-second
# proxy screens (training clock with compilation inside it), each followed by 2,000 class-balanced samples
# (EMA weights, Euler 25, guidance 3.0 on t in [0.3, 0.8]) saved for call C's FID-2k.
set -u
export PYTHONUNBUFFERED=1
mkdir -p /tmp/data /tmp/scr && cat /tmp/carry/zip.part0 .gpuB/zip.part1 > /tmp/data/cifar10-jpeg-train.zip
sha256sum /tmp/data/cifar10-jpeg-train.zip
screen() { name=$1; preset=$2; shift 2
  python3 -m nano_sora.training.train --preset $preset --data /tmp/data/cifar10-jpeg-train.zip --run-dir /tmp/runs/$name \
    --set train.minutes=1.25 train.log_every=100 "$@" 2>&1 | tr '\r' '\n' | grep -v 'it/s\|s/it\|Warning\|warn' \
    | grep 'step\|done\|error\|Error' | tail -3
  python3 -m nano_sora.inference --ckpt /tmp/runs/$name --n 2000 --steps 25 --batch-size 1000 --out /tmp/scr/$name.npy 2>&1 | tail -1
}
screen s_base small
screen s_route small model.route=0.5 model.route_skip=1
screen s_skips small model.skips=true
screen s_muon small train.optimizer=muon
screen f_route fast model.route=0.5
cd /tmp/runs && tar cf $OUT/screens_metrics.tar */metrics.jsonl */config.yaml
