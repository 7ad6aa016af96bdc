#!/bin/bash
# GPU session 2026-12-02 (third), call A of three back-to-back calls on one warm H200. Carries .gpuA (the first half
# of the CIFAR-10 train zip, the FID reference statistics, fid.py) into /tmp. The Muon step, PyTorch's loop against the
# batched one (s3_muon_bench.py); the training benchmark of the small preset (now batched Muon + CUDA graphs) and of
# fast with Muon; 10,000 samples of the pretrained model with 13 Heun steps and 15 Euler steps, kept for call C's FID.
set -u
export PYTHONUNBUFFERED=1
mkdir -p /tmp/carry /tmp/bench && cp .gpuA/* /tmp/carry/
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name())"
python3 nbs/results/gpu/s3_muon_bench.py $OUT/muon_step.json 2>&1 | grep -v Warning
bench() { name=$1; shift; python3 -m nano_sora.benchmark --steps 40 --sample-n 200 --json /tmp/bench/$name.json "$@" 2>&1 \
  | grep -v Warning | tail -3; }
bench small_muonb --presets small
bench fast_muonb --presets fast --set train.optimizer=muon
python3 - <<'PY' > $OUT/benchA.json
import json, glob, os
print(json.dumps({os.path.basename(f)[:-5]: json.load(open(f)) for f in sorted(glob.glob('/tmp/bench/*.json'))}, indent=1))
PY
for s in "heun 13" "euler 15"; do set -- $s
  python3 -m nano_sora.inference --ckpt pretrained --n 10000 --compile --batch-size 2500 --sampler $1 --steps $2 \
    --out /tmp/s_pre_$1$2.npy 2>&1 | grep 'sampled\|wrote\|rror'
done
