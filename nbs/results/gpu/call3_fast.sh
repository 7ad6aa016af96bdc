#!/bin/bash
# GPU session 2026-12-02, call 3: the `fast` preset for 5 minutes with FID-2k every 1,600 steps and the held-out loss
# every 1,000 (lesson 10's curve, issue 18's costs); then FID-10k of its EMA weights with the yardstick.
set -u
export NANO_SORA_INCEPTION=/tmp/fid/inception-2015-12-05-fp16.pt PYTHONUNBUFFERED=1
python3 -m nano_sora.training.train --preset fast --data /tmp/data/cifar10-jpeg-train.zip --run-dir /tmp/runs/fast \
  --set train.val_every=1000 train.fid_every=1600 train.fid_ref=/tmp/fid/cifar10-jpeg-train-stats.npz 2>&1 \
  | tr '\r' '\n' | grep -v 'it/s\|s/it' | tee $OUT/fast_train.log | tail -12
cp /tmp/runs/fast/metrics.jsonl $OUT/fast_metrics.jsonl
TIMEFORMAT='sample command: %R s'; time (python3 -m nano_sora.inference --ckpt /tmp/runs/fast --n 10000 --compile \
  --out /tmp/s_fast.npy 2>&1 | tr '\r' '\n' | grep -v 'it/s\|s/it' | tail -3)
python3 /tmp/fid/fid.py /tmp/s_fast.npy --device cuda
