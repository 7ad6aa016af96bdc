#!/bin/bash
# Call E (no carry; needs calls B-D's /tmp): the guide's scale and age on p2 and p3 with their own checkpoints of
# epochs 10, 20 and 30 (_ag1 _ag2 _ag3), Heun 13 at s = 0.5; scored at once. Returns the two models' weights.
set -u
test -f /tmp/carry/inception-2015-12-05-fp16.pt || { echo "no Inception in /tmp/carry: run call D first"; exit 1; }
for n in p2 p3; do
  g=(/tmp/runs/$n/checkpoints/step_*.pt)
  PYTHONPATH=. timeout 200 python3 nbs/results/gpu/s6_sweep.py /tmp/runs/$n $OUT/sweep_${n}_e.json ${n}e \
    h13_g1.5_i0-1_s0.5_ag1 h13_g1.75_i0-1_s0.5_ag2 h13_g2.0_i0-1_s0.5_ag3 h13_g1.5_i0-1_s0.5_ag2 \
    --guides ${g[0]} ${g[1]} ${g[2]} 2>&1 | grep -v 'Warning\|node.target'
  cp /tmp/$n.safetensors $OUT/
done
python3 /tmp/carry/fid.py /tmp/p2e_*.npy /tmp/p3e_*.npy --device cuda 2>&1 | grep FID | tee $OUT/fid10k_E.txt
