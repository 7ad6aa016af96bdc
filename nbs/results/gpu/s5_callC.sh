#!/bin/bash
# Call C: resumes the 20-minute run (second segment), stopped with Ctrl-C (SIGINT) after 560 s.
set -u
export PYTHONUNBUFFERED=1
timeout -s INT 560 python3 -m nano_sora.training.train --run-dir /tmp/runs/m20 --resume 2>&1 | tr '\r' '\n' \
  | grep -v 'it/s\|s/it\|Warning\|warn\|^ *$' > $OUT/m20_seg2.log; tail -4 $OUT/m20_seg2.log
