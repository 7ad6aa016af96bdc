#!/bin/bash
# Call D: carries .gpuC (the Inception network). Resumes the 20-minute run to its end, exports its EMA weights,
# samples 10,000 with Euler 25, Heun 13 and Euler 50 (s4_sweep.py, timed after compilation), scores them and call A's
# samples (FID-10k), then samples 50,000 (5,000 per class) with the sampler that scored best and scores them (FID-50k).
set -u
export PYTHONUNBUFFERED=1
cp .gpuC/* /tmp/carry/
timeout -s INT 400 python3 -m nano_sora.training.train --run-dir /tmp/runs/m20 --resume 2>&1 | tr '\r' '\n' \
  | grep -v 'it/s\|s/it\|Warning\|warn\|^ *$' > $OUT/m20_seg3.log; tail -3 $OUT/m20_seg3.log
cp /tmp/runs/m20/metrics.jsonl $OUT/m20_metrics.jsonl; cp /tmp/runs/m20/changes.jsonl $OUT/m20_changes.jsonl 2>/dev/null
python3 -m nano_sora.inference --ckpt /tmp/runs/m20 --export $OUT/m20.safetensors 2>&1 | tail -1
PYTHONPATH=. python3 nbs/results/gpu/s4_sweep.py /tmp/runs/m20 $OUT/sweep_m20.json m20 e25 h13 e50 2>&1 | grep -v Warning
python3 /tmp/carry/fid.py /tmp/pa_*.npy /tmp/m20_*.npy --device cuda 2>&1 | grep FID | tee $OUT/fid10k.txt
best=$(grep /tmp/m20_ $OUT/fid10k.txt | sort -k3 -g | head -1 | sed 's/.*m20_\(.*\)\.npy/\1/')
read -r sampler steps <<< "$(case $best in e25) echo euler 25;; h13) echo heun 13;; *) echo euler 50;; esac)"
echo "FID-50k with $sampler $steps ($best scored best at 10k)"
python3 -m nano_sora.inference --ckpt /tmp/runs/m20 --n 50000 --compile --batch-size 2500 --sampler $sampler \
  --steps $steps --out /tmp/m20_50k.npy 2>&1 | grep 'sampled\|wrote\|rror'
python3 /tmp/carry/fid.py /tmp/m20_50k.npy --device cuda 2>&1 | grep FID | tee $OUT/fid50k.txt
