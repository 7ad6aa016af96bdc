#!/bin/bash
# Call D: carries .gpuF (the rest of the Inception network); FID-10k of calls B and C's samples.
set -u
test -f /tmp/carry/inc.part0 || { echo "no /tmp/carry/inc.part0: run call B first"; exit 1; }
cat /tmp/carry/inc.part0 .gpuF/inc.part1 > /tmp/carry/inception-2015-12-05-fp16.pt
sha256sum /tmp/carry/inception-2015-12-05-fp16.pt
ls /tmp/p2_*.npy /tmp/p3_*.npy
python3 /tmp/carry/fid.py /tmp/p2_*.npy /tmp/p3_*.npy --device cuda 2>&1 | grep FID | tee $OUT/fid10k_BC.txt
