#!/bin/bash
# Call G (no carry; needs calls B-F's /tmp): the epoch-30 guide (9.06 / 8.29 at scale 2.0) at larger scales, 2.5 and
# 3.0: does an older guide keep gaining with a larger scale? Heun 13 at s = 0.5; scored at once.
set -u
test -f /tmp/carry/inception-2015-12-05-fp16.pt || { echo "no Inception in /tmp/carry: run call D first"; exit 1; }
for n in p2 p3; do
  g=(/tmp/runs/$n/checkpoints/step_*.pt)
  PYTHONPATH=. timeout 200 python3 nbs/results/gpu/s6_sweep.py /tmp/runs/$n $OUT/sweep_${n}_g.json ${n}g \
    h13_g2.5_i0-1_s0.5_ag3 h13_g3.0_i0-1_s0.5_ag3 \
    --guides ${g[0]} ${g[1]} ${g[2]} 2>&1 | grep -v 'Warning\|node.target'
done
python3 /tmp/carry/fid.py /tmp/p2g_*.npy /tmp/p3g_*.npy --device cuda 2>&1 | grep FID | tee $OUT/fid10k_G.txt
