#!/bin/bash
# Call D: carries .gpuF (the rest of the Inception network). Resumes the 20-minute run to its end, exports its EMA
# weights, samples 10,000 with CFG and with its own epoch-20/40/80 checkpoints as guides (s6_sweep.py), FID-10k.
set -u
export PYTHONUNBUFFERED=1
cat /tmp/carry/inc.part0 .gpuF/inc.part1 > /tmp/carry/inception-2015-12-05-fp16.pt; sha256sum /tmp/carry/*.pt
timeout -s INT 130 python3 -m nano_sora.training.train --run-dir /tmp/runs/t20 --resume 2>&1 | tr '\r' '\n' \
  | grep -v 'it/s\|s/it\|Warning\|warn\|^ *$' > $OUT/t20_seg3.log; tail -3 $OUT/t20_seg3.log
cp /tmp/runs/t20/metrics.jsonl $OUT/t20_metrics.jsonl
c=/tmp/runs/t20/checkpoints; ls $c | head -3
PYTHONPATH=. timeout 150 python3 nbs/results/gpu/s6_sweep.py /tmp/runs/t20 $OUT/sweep_t20.json t20 h13_s0.5 \
  h13_g2.5_i0-1_s0.5_ag2 h13_g2.5_i0-1_s0.5_ag1 h13_g3.0_i0-1_s0.5_ag3 h13_g3.0_i0-1_s0.5_ag2 \
  --guides $c/step_0003900.pt $c/step_0007800.pt $c/step_0015600.pt 2>&1 | grep -v Warning
timeout 80 python3 /tmp/carry/fid.py /tmp/t20_*.npy --device cuda 2>&1 | grep FID | tee $OUT/fid10k.txt
