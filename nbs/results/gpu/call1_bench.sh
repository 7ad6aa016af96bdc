#!/bin/bash
# GPU session 2026-12-02, call 1: the issue-16 refactor against the code before it, side by side on one machine.
# Needs (carried): .gpucarry/fid (the FID yardstick files, copied to /tmp/fid for the later calls), .gpucarry/old (the
# package as it was before the refactor, commit c427cf9).
set -u
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import torch, triton; print('torch', torch.__version__, 'triton', triton.__version__)"
mkdir -p /tmp/fid && cp .gpucarry/fid/* /tmp/fid/ && ls -la /tmp/fid
for i in 1 2; do
  echo "== old $i"; (cd .gpucarry/old && python3 -m nano_sora.benchmark --presets fast --sample-n 500 --json $OUT/bench_old$i.json 2>&1 | tail -3)
  echo "== new $i"; python3 -m nano_sora.benchmark --presets fast --sample-n 500 --json $OUT/bench_new$i.json 2>&1 | tail -3
done
