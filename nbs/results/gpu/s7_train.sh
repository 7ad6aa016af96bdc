#!/bin/bash
# One 5-minute run of the small preset from a fresh start (its step_*.pt every 10 epochs kept), its EMA weights as
# 16-bit safetensors, then the sampling sweep SETTINGS on it (s6_sweep.py) with the run's OWN 1st and 2nd checkpoints
# (epochs 10 and 20) as guides _ag1 and _ag2. Scored later by fid.py.
# Usage: s7_train.sh NAME "SETTINGS" OVERRIDES... (needs /tmp/data from call B)
set -u
export PYTHONUNBUFFERED=1
name=$1; settings=$2; shift 2
test -f /tmp/data/cifar10-jpeg-train.zip || { echo "no /tmp/data/cifar10-jpeg-train.zip: run call B first"; exit 1; }
python3 -m nano_sora.training.train --preset small --data /tmp/data/cifar10-jpeg-train.zip --run-dir /tmp/runs/$name \
  --set train.minutes=5 "$@" 2>&1 | tr '\r' '\n' | grep -v 'it/s\|s/it\|Warning\|warn' | tee $OUT/${name}_train.log | tail -3
cp /tmp/runs/$name/metrics.jsonl $OUT/${name}_metrics.jsonl
python3 -m nano_sora.inference --ckpt /tmp/runs/$name --export /tmp/$name.safetensors 2>&1 | tail -1
sha256sum /tmp/$name.safetensors
g=(/tmp/runs/$name/checkpoints/step_*.pt); echo "guides ${g[0]} ${g[1]}"
PYTHONPATH=. timeout 220 python3 nbs/results/gpu/s6_sweep.py /tmp/runs/$name $OUT/sweep_$name.json $name $settings \
  --guides ${g[0]} ${g[1]} 2>&1 | grep -v Warning
