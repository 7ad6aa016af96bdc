#!/bin/bash
# Call G: carries .gpuC (the Inception network); FID-10k of call F's samples.
set -u
test -f /tmp/carry/fid.py || { echo "no /tmp/carry/fid.py: run call F first"; exit 1; }
cp .gpuC/* /tmp/carry/
python3 /tmp/carry/fid.py /tmp/lr4s1g_*.npy /tmp/pag_*.npy --device cuda 2>&1 | grep FID | tee $OUT/fid10k_F.txt
