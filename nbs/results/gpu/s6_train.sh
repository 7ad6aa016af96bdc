#!/bin/bash
# One 5-minute run of the small preset from a fresh start with overrides (its step_*.pt every 10 epochs are kept for
# autoguidance), its EMA weights as 16-bit safetensors, then the sampling sweep SETTINGS on it (s6_sweep.py, with the
# run's 1st and 3rd checkpoints, epochs 10 and 30, as guides _ag1 and _ag2). Scored later by fid.py.
# Usage: s6_train.sh NAME "SETTINGS" OVERRIDES... (needs /tmp/data from call B)
set -u
export PYTHONUNBUFFERED=1
name=$1; settings=$2; shift 2
python3 -m nano_sora.training.train --preset small --data /tmp/data/cifar10-jpeg-train.zip --run-dir /tmp/runs/$name \
  --set train.minutes=5 "$@" 2>&1 | tr '\r' '\n' | grep -v 'it/s\|s/it\|Warning\|warn' | tee $OUT/${name}_train.log | tail -3
cp /tmp/runs/$name/metrics.jsonl $OUT/${name}_metrics.jsonl
python3 -m nano_sora.inference --ckpt /tmp/runs/$name --export $OUT/$name.safetensors 2>&1 | tail -1
g=(/tmp/runs/$name/checkpoints/step_*.pt)
PYTHONPATH=. timeout 240 python3 nbs/results/gpu/s6_sweep.py /tmp/runs/$name $OUT/sweep_$name.json $name $settings \
  --guides ${g[0]} ${g[2]} 2>&1 | grep -v Warning
