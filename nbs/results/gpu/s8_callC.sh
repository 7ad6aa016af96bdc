#!/bin/bash
# Call C: resumes the 20-minute run (second segment), stopped with Ctrl-C (SIGINT) after 580 s.
set -u
export PYTHONUNBUFFERED=1
test -d /tmp/runs/t20 || { echo "no /tmp/runs/t20: run call B first"; exit 1; }
timeout -s INT 580 python3 -m nano_sora.training.train --run-dir /tmp/runs/t20 --resume 2>&1 | tr '\r' '\n' \
  | grep -v 'it/s\|s/it\|Warning\|warn\|^ *$' > $OUT/t20_seg2.log; tail -5 $OUT/t20_seg2.log
