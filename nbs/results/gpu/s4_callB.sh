#!/bin/bash
# Call B: carries .gpuC (the Inception network) into /tmp/carry; FID-10k of call A's sweep samples.
set -u
export PYTHONUNBUFFERED=1
cp .gpuC/* /tmp/carry/
python3 /tmp/carry/fid.py /tmp/sw_*.npy --device cuda 2>&1 | grep FID | tee $OUT/fid_sweep.txt
