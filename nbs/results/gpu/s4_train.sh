#!/bin/bash
# One 5-minute run of the small preset from a fresh start with overrides, then 10,000 samples with the preset's sampler
# (Euler 25, guidance 3.0 on t in [0.3, 0.8]) timed after compilation, their FID-10k, and the EMA weights as 16-bit
# safetensors. Usage: s4_train.sh NAME OVERRIDES... (needs /tmp/data and /tmp/carry from the earlier calls)
set -u
export PYTHONUNBUFFERED=1
name=$1; shift
python3 -m nano_sora.training.train --preset small --data /tmp/data/cifar10-jpeg-train.zip --run-dir /tmp/runs/$name \
  --set train.minutes=5 "$@" 2>&1 | tr '\r' '\n' | grep -v 'it/s\|s/it\|Warning\|warn' | tee $OUT/${name}_train.log | tail -3
cp /tmp/runs/$name/metrics.jsonl $OUT/${name}_metrics.jsonl
python3 -m nano_sora.inference --ckpt /tmp/runs/$name --export $OUT/$name.safetensors 2>&1 | tail -1
python3 -m nano_sora.inference --ckpt /tmp/runs/$name --n 10000 --compile --batch-size 2500 --out /tmp/s_$name.npy 2>&1 \
  | grep 'sampled\|wrote\|rror'
python3 /tmp/carry/fid.py /tmp/s_$name.npy --device cuda 2>&1 | grep FID | tee $OUT/fid_$name.txt
