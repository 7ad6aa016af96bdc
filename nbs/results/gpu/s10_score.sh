#!/bin/bash
# Calls C and D: (the first time) rebuilds the Inception network from call B's part and .gpuF; waits up to WAIT
# seconds for the background jobs, scoring each job's samples (/tmp/NAME_*.npy) with fid.py (FID-10k) as soon as the
# job is done; brings back fid10k.txt and the logs as logs.tgz. Usage: s10_score.sh WAIT
set -u
W=$1
if [ ! -f /tmp/carry/inception-2015-12-05-fp16.pt ]; then
  cat /tmp/carry/inc.part0 .gpuF/inc.part1 > /tmp/carry/inception-2015-12-05-fp16.pt; sha256sum /tmp/carry/*.pt
fi
mkdir -p /tmp/scored; touch /tmp/fid10k.txt
while true; do
  for d in /tmp/logs/*.done; do
    n=$(basename $d .done); [ -f /tmp/scored/$n ] && continue
    timeout 200 python3 /tmp/carry/fid.py /tmp/${n}_*.npy --device cuda 2>&1 | grep FID | tee -a /tmp/fid10k.txt
    touch /tmp/scored/$n; cp /tmp/fid10k.txt $OUT/                 # on $OUT at once: a call cut short keeps it
  done
  [ $(ls /tmp/scored | wc -l) -ge 5 ] || [ $SECONDS -ge $W ] && break
  sleep 10
done
cp /tmp/fid10k.txt $OUT/
for r in r0 g b39 b26 m39; do cp /tmp/runs/$r/metrics.jsonl /tmp/logs/${r}_metrics.jsonl 2>/dev/null; done
tar czf $OUT/logs.tgz -C /tmp logs logs_bg.txt                        # one file back (at most 8 come back)
ls /tmp/scored; for f in /tmp/logs/*_train.log; do echo "$(basename $f): $(tail -n 2 $f | head -n 1)"; done
echo "call took $SECONDS s"
