#!/bin/bash
# GPU session 2026-12-02 (second), call A of four back-to-back calls on one warm H200. Carries .gpuA (the first half
# of the CIFAR-10 train zip, the FID reference statistics, fid.py) into /tmp; then the training benchmark of the levers
# that need no data: token routing, CUDA graphs (compile mode reduce-overhead), the peer's size at batch 1024.
set -u
export PYTHONUNBUFFERED=1
mkdir -p /tmp/carry /tmp/bench && cp .gpuA/* /tmp/carry/
python3 -c "import torch, inspect; print('torch', torch.__version__, torch.cuda.get_device_name()); print(inspect.signature(torch.optim.Muon))"
bench() { name=$1; shift; python3 -m nano_sora.benchmark --steps 40 --sample-n 200 --json /tmp/bench/$name.json "$@" 2>&1 \
  | grep -v Warning | tail -3; }
bench small --presets small
bench small_cg --presets small --set train.compile_mode=reduce-overhead
bench fast --presets fast
bench fast_route --presets fast --set model.route=0.5
bench peer_route --presets fast --set model.dim=256 model.depth=11 model.heads=4 train.batch_size=1024 model.route=0.5
python3 - <<'PY' > $OUT/benchA.json
import json, glob, os
print(json.dumps({os.path.basename(f)[:-5]: json.load(open(f)) for f in sorted(glob.glob('/tmp/bench/*.json'))}, indent=1))
PY
