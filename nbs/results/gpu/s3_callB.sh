#!/bin/bash
# Call B: carries .gpuB (the zip's second half), rebuilds the zip in /tmp/data and checks it; the small preset (batched
# Muon + CUDA graphs) for 5 minutes from a fresh start, seed 0; 10,000 samples with 25 and 50 Euler steps, each timed
# after compilation, kept in /tmp for call C's FID-10k; its EMA weights as 16-bit safetensors.
set -u
export PYTHONUNBUFFERED=1
mkdir -p /tmp/data && cat /tmp/carry/zip.part0 .gpuB/zip.part1 > /tmp/data/cifar10-jpeg-train.zip
sha256sum /tmp/data/cifar10-jpeg-train.zip
python3 -m nano_sora.training.train --preset small --data /tmp/data/cifar10-jpeg-train.zip --run-dir /tmp/runs/b0 \
  --set train.minutes=5 2>&1 | tr '\r' '\n' | grep -v 'it/s\|s/it\|Warning\|warn' | tee $OUT/b0_train.log | tail -4
cp /tmp/runs/b0/metrics.jsonl $OUT/b0_metrics.jsonl
python3 -m nano_sora.inference --ckpt /tmp/runs/b0 --export $OUT/b0.safetensors 2>&1 | tail -1
for s in 25 50; do
  python3 -m nano_sora.inference --ckpt /tmp/runs/b0 --n 10000 --compile --batch-size 2500 --steps $s \
    --out /tmp/s_b0_e$s.npy 2>&1 | grep 'sampled\|wrote\|rror'
done
