#!/bin/bash
# Ninth session: the rtx4060 preset (fp16 + GradScaler, batch 64, with the recipe) for as many images as `fast` sees
# in 5 minutes (2.0M = 31,250 steps of 64), from a fresh start, then 10,000 samples (s6_sweep.py) with its own
# sampler (Euler 50, guidance 3.0 on [0.3, 0.8]) and with Heun 13 at t_shift 0.5. Usage: s9_seed.sh SEED PART.
# A call may run 10 minutes: a run not done by 560 s is stopped with SIGINT (it saves last.pt) and the next call
# with the same SEED resumes it; sampling skips the settings already sampled. The first call of the session also
# rebuilds the zip (needs call A's /tmp/carry/zip.part0 and .gpuB).
set -u
export PYTHONUNBUFFERED=1
seed=$1; R=/tmp/runs/r$seed; L=$OUT/r${seed}_$2.log
if [ ! -f /tmp/data/cifar10-jpeg-train.zip ]; then
  test -f /tmp/carry/zip.part0 || { echo "no /tmp/carry/zip.part0: run call A first"; exit 1; }
  mkdir -p /tmp/data && cat /tmp/carry/zip.part0 .gpuB/zip.part1 > /tmp/data/cifar10-jpeg-train.zip
  cp .gpuB/*.npz .gpuB/fid.py .gpuE/inc.part0 /tmp/carry/; sha256sum /tmp/data/cifar10-jpeg-train.zip
fi
if [ ! -f $R/done ]; then
  if [ -d $R ]; then args="--run-dir $R --resume"
  else args="--preset rtx4060 --data /tmp/data/cifar10-jpeg-train.zip --run-dir $R --set train.max_steps=31250
             train.sample_every_epochs=0 train.seed=$seed"; fi
  timeout -s INT $((560 - SECONDS)) python3 -m nano_sora.training.train $args 2>&1 | tr '\r' '\n' \
    | grep -v 'it/s\|s/it\|Warning\|warn\|^ *$' > $L; tail -4 $L
  grep -q 'done: step 31250' $L && touch $R/done
  cp $R/metrics.jsonl $OUT/r${seed}_metrics.jsonl
fi
todo=""; for n in ${SETS:-e50 h13_s0.5}; do [ -f /tmp/r${seed}_$n.npy ] || todo="$todo $n"; done
if [ -f $R/done ] && [ -n "$todo" ] && [ $SECONDS -lt 500 ]; then
  PYTHONPATH=. timeout $((590 - SECONDS)) python3 nbs/results/gpu/s6_sweep.py $R $OUT/sweep_r${seed}_$2.json r$seed \
    $todo 2>&1 | grep -v Warning | tail -4
fi
ls /tmp/r*_*.npy 2>/dev/null; echo "call took $SECONDS s"
