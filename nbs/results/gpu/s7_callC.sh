#!/bin/bash
# Call C (no carry): the same on a second unused seed, 3.
set -u
bash nbs/results/gpu/s7_train.sh p3 "h13_g2.0_i0-1_s0.5_ag1 e50 h13_s0.5 h13_g1.75_i0-1_s0.5_ag1 h13_g2.25_i0-1_s0.5_ag1 h13_g2.0_i0-1_s0.5_ag2" train.seed=3
