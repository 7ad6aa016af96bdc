#!/bin/bash
# Call D: nothing carried (call C's Inception and call B's run are in /tmp). The Muon step benchmark (it failed in
# call A; here it failed again for want of PYTHONPATH, see 2026-12-02c/callD_stdout.txt), then 13 Heun steps (the last
# one Euler) on call B's model, 10,000 samples timed after compilation, and their FID-10k.
export PYTHONUNBUFFERED=1; python3 nbs/results/gpu/s3_muon_bench.py $OUT/muon_step.json 2>&1 | grep -v Warning; python3 -m nano_sora.inference --ckpt /tmp/runs/b0 --n 10000 --compile --batch-size 2500 --sampler heun --steps 13 --out /tmp/s_b0_h13.npy 2>&1 | grep 'sampled\|wrote\|rror'; python3 /tmp/carry/fid.py /tmp/s_b0_h13.npy --device cuda 2>&1 | grep FID
