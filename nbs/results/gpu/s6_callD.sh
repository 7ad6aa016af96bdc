#!/bin/bash
# Call D: FID-10k of call C's samples.
set -u
python3 /tmp/carry/fid.py /tmp/b512_*.npy --device cuda 2>&1 | grep FID | tee $OUT/fid10k_C.txt
