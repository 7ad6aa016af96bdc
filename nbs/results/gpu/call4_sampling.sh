#!/bin/bash
# GPU session 2026-12-02, call 4: cheaper samplers on call 3's 5-minute `fast` model (issue 19's sampling target):
# 10,000 samples with 25 Euler steps and with 13 Heun steps (25 model evaluations), both guided 3.0 on [0.3, 0.8];
# each command's wall time includes loading and compilation; FID-10k of each with the yardstick.
set -u
export PYTHONUNBUFFERED=1
for s in "euler 25" "heun 13"; do set -- $s
  TIMEFORMAT="sample command ($1 $2): %R s"; time (python3 -m nano_sora.inference --ckpt /tmp/runs/fast --n 10000 \
    --compile --batch-size 2500 --sampler $1 --steps $2 --out /tmp/s_$1$2.npy 2>&1 | tr '\r' '\n' | grep -v 'it/s\|s/it' | tail -2)
  python3 /tmp/fid/fid.py /tmp/s_$1$2.npy --device cuda
done
