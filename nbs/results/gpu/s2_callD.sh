#!/bin/bash
# Call D: nothing carried (call B's zip and call C's Inception are in /tmp). The recipe call C chose, again with a
# second training seed (train.seed=1), 5 minutes, and its FID-10k with the recipe's own sampler; then, if device time
# is left, 13 Heun steps (the last one Euler) on call C's model, timed after compilation and scored.
set -u
export PYTHONUNBUFFERED=1
read -r PRESET OVR < /tmp/win.txt
python3 -m nano_sora.training.train --preset $PRESET --data /tmp/data/cifar10-jpeg-train.zip --run-dir /tmp/runs/win2 \
  --set train.minutes=5 train.seed=1 $OVR 2>&1 | tr '\r' '\n' | grep -v 'it/s\|s/it\|Warning\|warn' | tee $OUT/win2_train.log | tail -4
cp /tmp/runs/win2/metrics.jsonl $OUT/win2_metrics.jsonl
python3 -m nano_sora.inference --ckpt /tmp/runs/win2 --n 10000 --compile --batch-size 2500 --out /tmp/s_win2.npy 2>&1 \
  | grep 'sampled\|wrote\|rror'
python3 /tmp/carry/fid.py /tmp/s_win2.npy --device cuda 2>&1 | grep FID
python3 -m nano_sora.inference --ckpt /tmp/runs/win --n 10000 --compile --batch-size 2500 --sampler heun --steps 13 \
  --out /tmp/s_win_h13.npy 2>&1 | grep 'sampled\|wrote\|rror'
python3 /tmp/carry/fid.py /tmp/s_win_h13.npy --device cuda 2>&1 | grep FID
