#!/bin/bash
# Call I (one command line, carry .gpuD, the machine still warm from call H): the best setting of call H on lr4s1.
PYTHONPATH=. python3 nbs/results/gpu/s6_sweep.py .gpuD/lr4s1.safetensors $OUT/sweep_lr4s1_g10b.json lr4s1g h13_g2.0_i0-1_s0.5_ag1 --guides /tmp/runs/g10/checkpoints/step_0001950.pt 2>&1 | grep -v Warning; python3 /tmp/carry/fid.py /tmp/lr4s1g_h13_g2.0_i0-1_s0.5_ag1.npy --device cuda 2>&1 | grep FID | tee $OUT/fid10k_I.txt
