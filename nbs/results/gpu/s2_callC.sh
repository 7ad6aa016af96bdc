#!/bin/bash
# Call C: carries .gpuC (the Inception network) into /tmp/carry; FID-2k of call B's screens and the choice of the
# 5-minute recipe (s2_pick.py); the 5-minute run (seed 0); 10,000 samples with 50 and 25 Euler steps, each timed
# after compilation (nano_sora_sample --compile warms up on one batch first), and their FID-10k.
set -u
export PYTHONUNBUFFERED=1
cp .gpuC/* /tmp/carry/
python3 nbs/results/gpu/s2_pick.py 2>&1 | grep -v Warning | tee $OUT/pick.log
read -r PRESET OVR < /tmp/win.txt; cp /tmp/win.json $OUT/
python3 -m nano_sora.training.train --preset $PRESET --data /tmp/data/cifar10-jpeg-train.zip --run-dir /tmp/runs/win \
  --set train.minutes=5 $OVR 2>&1 | tr '\r' '\n' | grep -v 'it/s\|s/it\|Warning\|warn' | tee $OUT/win_train.log | tail -4
cp /tmp/runs/win/metrics.jsonl $OUT/win_metrics.jsonl
[ "$PRESET" = small ] && python3 -m nano_sora.inference --ckpt /tmp/runs/win --export $OUT/win.safetensors
for s in 50 25; do
  python3 -m nano_sora.inference --ckpt /tmp/runs/win --n 10000 --compile --batch-size 2500 --steps $s \
    --out /tmp/s_win_e$s.npy 2>&1 | grep 'sampled\|wrote\|rror'
done
python3 /tmp/carry/fid.py /tmp/s_win_e50.npy /tmp/s_win_e25.npy --device cuda 2>&1 | grep FID
