#!/bin/bash
# Ninth session, after the first machine was given back between calls (its samples lost): resumes the seed's run
# (s9_seed.sh), samples Euler 50 only, and scores it in the same call: carries .gpuF (the Inception network's
# second part), rebuilt beside the first part that s9_seed.sh copied. Usage: s9_finish.sh SEED PART.
set -u
SETS=e50 bash nbs/results/gpu/s9_seed.sh $1 $2
cat /tmp/carry/inc.part0 .gpuF/inc.part1 > /tmp/carry/inception-2015-12-05-fp16.pt; sha256sum /tmp/carry/*.pt
timeout 120 python3 /tmp/carry/fid.py /tmp/r$1_*.npy --device cuda 2>&1 | grep FID | tee $OUT/fid10k_r$1_$2.txt
