#!/bin/bash
# Call C: carries .gpuC (the Inception network). First the FID-10k of calls A and B's samples (still in /tmp on the
# warm machine); then the batch-size lever: batch 512 with the learning rate scaled by sqrt(2) (4.5e-3 against
# lr 3.2e-3 at batch 256), seed 0, swept; its samples are scored in call D.
set -u
test -f /tmp/carry/fid.py || { echo "no /tmp/carry/fid.py: run call B first"; exit 1; }
cp .gpuC/* /tmp/carry/
python3 /tmp/carry/fid.py /tmp/pa_*.npy /tmp/lr4s1_*.npy --device cuda 2>&1 | grep FID | tee $OUT/fid10k_AB.txt
bash nbs/results/gpu/s6_train.sh b512 "e25 h13_s0.5 e50" train.batch_size=512 train.lr=4.5e-3
