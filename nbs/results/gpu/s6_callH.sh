#!/bin/bash
# Call H (run as this one command line, on the machine still warm from call G): two more autoguided settings on the
# pretrained model with call F's guide (the epoch-10 checkpoint of run g10), and their FID-10k.
PYTHONPATH=. python3 nbs/results/gpu/s6_sweep.py pretrained $OUT/sweep_pretrained_g10b.json pag e25_g2.5_i0-1_ag1 h13_g2.0_i0-1_s0.5_ag1 --guides /tmp/runs/g10/checkpoints/step_0001950.pt 2>&1 | grep -v Warning; python3 /tmp/carry/fid.py /tmp/pag_e25_g2.5_i0-1_ag1.npy /tmp/pag_h13_g2.0_i0-1_s0.5_ag1.npy --device cuda 2>&1 | grep FID | tee $OUT/fid10k_H.txt
