#!/bin/sh
# Stops one ngspice worker of a short co-simulation run with SIGSTOP and reports how long the
# pool takes to find it (from SIGSTOP to the restart line on stderr) and the run's total time.
# Usage: scripts/stopped-worker.sh DATA_DIR [extra train flags…]  (BENCHMARKS.md, issue 13)
set -u
B=${EQPROP:-.build/release/eqprop}
DATA=$1; shift
OUT=$(mktemp -d)
start=$(date +%s.%N)
"$B" train --preset drn-xs --solver ngspice --workers 2 --dataset mnist --data "$DATA" \
    --train-limit 200 --test-limit 50 --epochs 1 --out "$OUT/run" --quiet --json "$@" >"$OUT/stdout" 2>"$OUT/stderr" &
P=$!
C=""
while [ -z "$C" ]; do C=$(cat /proc/$P/task/*/children 2>/dev/null | tr ' ' '\n' | grep -v '^$' | head -1); sleep 0.1; done
sleep 1.5
kill -STOP "$C"; t0=$(date +%s.%N)
while ! grep -q restarted "$OUT/stderr" && kill -0 $P 2>/dev/null; do sleep 0.02; done
t1=$(date +%s.%N)
wait $P; rc=$?
end=$(date +%s.%N)
kill -KILL "$C" 2>/dev/null
echo "exit $rc; detection $(echo "$t1 - $t0" | bc) s; run $(echo "$end - $start" | bc) s"
cat "$OUT/stderr"
grep -o '"worker_restarts":[0-9]*' "$OUT/run/metrics.jsonl"
rm -rf "$OUT"
