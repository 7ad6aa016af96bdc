#!/bin/bash
# GPU session 2026-12-05 (tenth), call A of back-to-back calls on one warm machine. Carries .gpuA (the first 40 MB
# of the CIFAR-10 train zip) into /tmp/carry for call B; prints the machine.
set -u
mkdir -p /tmp/carry && cp .gpuA/zip.part0 /tmp/carry/ && ls -l /tmp/carry
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name())"
nvidia-smi --query-gpu=name,memory.total,clocks.max.sm --format=csv
