#!/bin/bash
# Call E (the session's last 116 s of device time, one command line as it ran): the 20-minute run's own epoch-10
# checkpoint as the guide at scales 1.5 and 2.0 (s6_sweep.py), then FID-10k with a 30 s limit, in which only the
# first of the two was scored (6.126); the 2.0 samples were made (5.77 s) but not scored.
c=/tmp/runs/t20/checkpoints; PYTHONPATH=. timeout 60 python3 nbs/results/gpu/s6_sweep.py /tmp/runs/t20 $OUT/sweep_t20_e.json t20e h13_g1.5_i0-1_s0.5_ag1 h13_g2.0_i0-1_s0.5_ag1 --guides $c/step_0001950.pt 2>&1 | grep -v Warning | grep h13; timeout 30 python3 /tmp/carry/fid.py /tmp/t20e_*.npy --device cuda 2>&1 | grep FID | tee $OUT/fid10k_e.txt
