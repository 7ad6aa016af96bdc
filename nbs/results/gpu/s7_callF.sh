#!/bin/bash
# Call F (no carry; needs calls B-E's /tmp): the epoch-20 guide at larger scales, 2.25 and 2.5 (at 1.5 / 1.75 / 2.0
# it scored 8.93 / 7.47 / 6.46 on p2 and 8.21 / 6.83 / 5.96 on p3), Heun 13 at s = 0.5; scored at once.
set -u
test -f /tmp/carry/inception-2015-12-05-fp16.pt || { echo "no Inception in /tmp/carry: run call D first"; exit 1; }
for n in p2 p3; do
  g=(/tmp/runs/$n/checkpoints/step_*.pt)
  PYTHONPATH=. timeout 200 python3 nbs/results/gpu/s6_sweep.py /tmp/runs/$n $OUT/sweep_${n}_f.json ${n}f \
    h13_g2.25_i0-1_s0.5_ag2 h13_g2.5_i0-1_s0.5_ag2 \
    --guides ${g[0]} ${g[1]} ${g[2]} 2>&1 | grep -v 'Warning\|node.target'
done
python3 /tmp/carry/fid.py /tmp/p2f_*.npy /tmp/p3f_*.npy --device cuda 2>&1 | grep FID | tee $OUT/fid10k_F.txt
