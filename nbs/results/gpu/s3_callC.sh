#!/bin/bash
# Call C: carries .gpuC (the Inception network) into /tmp/carry; FID-10k of calls A and B's samples; the same recipe
# again with a second training seed (train.seed=1), 5 minutes, and its FID-10k with the preset's sampler (Euler 25).
set -u
export PYTHONUNBUFFERED=1
cp .gpuC/* /tmp/carry/
python3 /tmp/carry/fid.py /tmp/s_pre_heun13.npy /tmp/s_pre_euler15.npy /tmp/s_b0_e25.npy /tmp/s_b0_e50.npy \
  --device cuda 2>&1 | grep FID | tee $OUT/fid_ab.txt
python3 -m nano_sora.training.train --preset small --data /tmp/data/cifar10-jpeg-train.zip --run-dir /tmp/runs/b1 \
  --set train.minutes=5 train.seed=1 2>&1 | tr '\r' '\n' | grep -v 'it/s\|s/it\|Warning\|warn' | tee $OUT/b1_train.log | tail -4
cp /tmp/runs/b1/metrics.jsonl $OUT/b1_metrics.jsonl
python3 -m nano_sora.inference --ckpt /tmp/runs/b1 --n 10000 --compile --batch-size 2500 --out /tmp/s_b1.npy 2>&1 \
  | grep 'sampled\|wrote\|rror'
python3 /tmp/carry/fid.py /tmp/s_b1.npy --device cuda 2>&1 | grep FID | tee $OUT/fid_c.txt
