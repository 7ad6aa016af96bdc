#!/bin/bash
# GPU session 2026-12-02 (fourth), call A of back-to-back calls on one warm H200. Carries .gpuA (the first half of the
# CIFAR-10 train zip, the FID reference statistics, fid.py) into /tmp/carry. A sampling sweep on the pretrained model
# (s4_sweep.py: guidance scale and interval at 50 Euler steps; a non-uniform time grid for Heun 13 and Euler 25), kept
# in /tmp for call B's FID-10k; the training benchmark of the small preset at batch 512.
set -u
export PYTHONUNBUFFERED=1
mkdir -p /tmp/carry /tmp/bench && cp .gpuA/* /tmp/carry/
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name())"
PYTHONPATH=. python3 nbs/results/gpu/s4_sweep.py pretrained $OUT/sweep.json 2>&1 | grep -v Warning
bench() { name=$1; shift; python3 -m nano_sora.benchmark --steps 40 --sample-n 200 --json /tmp/bench/$name.json "$@" 2>&1 \
  | grep -v Warning | tail -2; }
bench small_b512 --presets small --set train.batch_size=512
python3 - <<'PY' > $OUT/benchA.json
import json, glob, os
print(json.dumps({os.path.basename(f)[:-5]: json.load(open(f)) for f in sorted(glob.glob('/tmp/bench/*.json'))}, indent=1))
PY
