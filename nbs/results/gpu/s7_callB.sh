#!/bin/bash
# Call B: carries .gpuB (the zip's last 8.3 MB, the FID statistics, fid.py) and .gpuE (the first 20 MB of the
# Inception network: tree + the whole network is over the 64 MiB carry limit now). Rebuilds the zip in /tmp/data;
# a fresh 5-minute run of the preset as it is (lr 1.6e-3) on an unused seed, 2, guided by its OWN epoch-10
# checkpoint: is the autoguided Heun 13 figure (5.62 / 5.72 with another run's guide) a property of the recipe?
set -u
test -f /tmp/carry/zip.part0 || { echo "no /tmp/carry/zip.part0: run call A first"; exit 1; }
mkdir -p /tmp/data && cat /tmp/carry/zip.part0 .gpuB/zip.part1 > /tmp/data/cifar10-jpeg-train.zip
cp .gpuB/*.npz .gpuB/fid.py .gpuE/inc.part0 /tmp/carry/
sha256sum /tmp/data/cifar10-jpeg-train.zip
bash nbs/results/gpu/s7_train.sh p2 "h13_g2.0_i0-1_s0.5_ag1 e50 h13_s0.5 h13_g1.75_i0-1_s0.5_ag1 h13_g2.25_i0-1_s0.5_ag1 h13_g2.0_i0-1_s0.5_ag2" train.seed=2
