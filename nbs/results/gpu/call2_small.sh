#!/bin/bash
# GPU session 2026-12-02, call 2: the course's pretrained model (preset `small`, 5 minutes), with the held-out loss
# and FID measured while it trains; then 10,000 samples, FID-10k with the yardstick, and the 16-bit safetensors export.
set -u
mkdir -p /tmp/data && cp .gpudata/*.zip /tmp/data/
export NANO_SORA_INCEPTION=/tmp/fid/inception-2015-12-05-fp16.pt PYTHONUNBUFFERED=1
python3 -m nano_sora.training.train --preset small --data /tmp/data/cifar10-jpeg-train.zip --run-dir /tmp/runs/small \
  --set train.val_every=1000 train.fid_every=5000 train.fid_ref=/tmp/fid/cifar10-jpeg-train-stats.npz 2>&1 \
  | tr '\r' '\n' | grep -v 'it/s\|s/it' | tee $OUT/small_train.log | tail -12
cp /tmp/runs/small/metrics.jsonl $OUT/small_metrics.jsonl; cp /tmp/runs/small/config.yaml $OUT/small_config.yaml
python3 -m nano_sora.inference --ckpt /tmp/runs/small --export $OUT/cifar10_small.safetensors
TIMEFORMAT='sample command: %R s'; time (python3 -m nano_sora.inference --ckpt $OUT/cifar10_small.safetensors --n 10000 \
  --compile --batch-size 2500 --out /tmp/s_small.npy 2>&1 | tr '\r' '\n' | grep -v 'it/s\|s/it' | tail -3)
python3 /tmp/fid/fid.py /tmp/s_small.npy --device cuda
