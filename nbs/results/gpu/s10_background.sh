#!/bin/bash
# Started by call B with setsid in /tmp/repo (runs on between calls): five jobs at once on the one GPU, each budgeted
# by steps, not by its wall clock, so sharing the card changes their speed but no figure here:
# - r0: the rtx4060 preset (fp16 + GradScaler, batch 64, with the recipe) for as many images as `fast` sees in 5
#   minutes (7,800 steps of 256 = 31,250 steps of 64 = 2.0M), seed 0; 10,000 samples with its own sampler (Euler 50,
#   guidance 3.0 on [0.3, 0.8]) and with Heun 13 at t_shift 0.5;
# - g: a guide much smaller than the pretrained model (width 128, 4 blocks, 2 heads; the small preset otherwise),
#   3,900 steps of 256 (epoch 20; epoch 10 is its step_0001950.pt); then the pretrained model guided by each of the
#   two at scales 1.5, 2.0, 2.5 (Heun 13, t_shift 0.5, guidance on all of t);
# - the MaskDiT screen at equal images: m39, s10_maskdit.py (50% masked, 2-block decoder, MAE 0.1) for 3,900 steps
#   of the small preset, unmasked from step 3,300; b39, the preset as it is for 3,900 steps; b26, the preset for
#   2,600 steps (3,900 / 1.5: the images the preset sees in the time MaskDiT's 1.5x fewer FLOPs a step would need);
#   each sampled with Heun 13 at t_shift 0.5.
# Each job touches /tmp/logs/NAME.done at its end.
set -u
export PYTHONUNBUFFERED=1
mkdir -p /tmp/logs; D=/tmp/data/cifar10-jpeg-train.zip; F='it/s\|s/it\|Warning\|warn\|^ *$'
sweep() { PYTHONPATH=. python3 nbs/results/gpu/s6_sweep.py "$@" 2>&1 | grep -v Warning; }
trainer() { python3 -m nano_sora.training.train --data $D "$@" 2>&1 | tr '\r' '\n' | grep -v "$F"; }
(trainer --preset rtx4060 --run-dir /tmp/runs/r0 --set train.max_steps=31250 train.sample_every_epochs=0 \
   train.seed=0 > /tmp/logs/r0_train.log
 sweep /tmp/runs/r0 /tmp/logs/sweep_r0.json r0 e50 h13_s0.5 > /tmp/logs/r0_sweep.log; touch /tmp/logs/r0.done) &
(trainer --preset small --run-dir /tmp/runs/g --set model.dim=128 model.depth=4 model.heads=2 train.minutes=0 \
   train.max_steps=3900 train.seed=0 > /tmp/logs/g_train.log
 c=/tmp/runs/g/checkpoints
 sweep pretrained /tmp/logs/sweep_g.json g h13_g1.5_i0-1_s0.5_ag1 h13_g2.0_i0-1_s0.5_ag1 h13_g2.5_i0-1_s0.5_ag1 \
   h13_g1.5_i0-1_s0.5_ag2 h13_g2.0_i0-1_s0.5_ag2 h13_g2.5_i0-1_s0.5_ag2 --guides $c/step_0001950.pt \
   $c/step_0003900.pt > /tmp/logs/g_sweep.log; touch /tmp/logs/g.done) &
for n in 39 26; do
  (trainer --preset small --run-dir /tmp/runs/b$n --set train.minutes=0 train.max_steps=${n}00 train.seed=0 \
     > /tmp/logs/b${n}_train.log
   sweep /tmp/runs/b$n /tmp/logs/sweep_b$n.json b$n h13_s0.5 > /tmp/logs/b${n}_sweep.log; touch /tmp/logs/b$n.done) &
done
(PYTHONPATH=. python3 nbs/results/gpu/s10_maskdit.py $D /tmp/runs/m39 --until 3300 --set train.minutes=0 \
   train.max_steps=3900 2>&1 | tr '\r' '\n' | grep -v "$F" > /tmp/logs/m39_train.log
 sweep /tmp/runs/m39/plain.pt /tmp/logs/sweep_m39.json m39 h13_s0.5 > /tmp/logs/m39_sweep.log
 touch /tmp/logs/m39.done) &
wait
