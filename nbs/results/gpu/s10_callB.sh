#!/bin/bash
# Call B: carries .gpuB (the zip's last 11.8 MB, the FID statistics, fid.py) and .gpuE (the first 20 MB of the
# Inception network). Rebuilds the zip, starts s10_background.sh in a session of its own (it outlives the call) and
# waits, printing the jobs' progress, until they are done or 540 s have passed; calls C and D score them.
set -u
test -f /tmp/carry/zip.part0 || { echo "no /tmp/carry/zip.part0: run call A first"; exit 1; }
mkdir -p /tmp/data && cat /tmp/carry/zip.part0 .gpuB/zip.part1 > /tmp/data/cifar10-jpeg-train.zip
cp .gpuB/*.npz .gpuB/fid.py .gpuE/inc.part0 /tmp/carry/
sha256sum /tmp/data/cifar10-jpeg-train.zip
rm -rf /tmp/repo && mkdir -p /tmp/repo && cp -r nano_sora nbs /tmp/repo/          # the background jobs' own copy
(cd /tmp/repo && setsid nohup bash nbs/results/gpu/s10_background.sh > /tmp/logs_bg.txt 2>&1 < /dev/null &)
while [ $SECONDS -lt 540 ] && [ $(ls /tmp/logs/*.done 2>/dev/null | wc -l) -lt 5 ]; do
  sleep 60; echo "--- $SECONDS s: $(ls /tmp/logs/*.done 2>/dev/null | xargs -n1 basename 2>/dev/null | tr '\n' ' ')"
  for f in /tmp/logs/*_train.log; do echo "$(basename $f): $(grep '^step' $f | tail -n 1)"; done
done
nvidia-smi --query-gpu=name,utilization.gpu,memory.used --format=csv,noheader; echo "call took $SECONDS s"
