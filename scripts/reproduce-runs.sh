#!/bin/bash
# Seven fixed-seed training runs (Hopfield and resistive, Swift and ngspice) of BINARY into OUTDIR;
# compare two builds with scripts/compare-runs.sh OUTDIR_A OUTDIR_B (issue 14, BENCHMARKS.md).
B=${1:?usage: reproduce-runs.sh BINARY OUTDIR}; O=${2:?usage: reproduce-runs.sh BINARY OUTDIR}; mkdir -p "$O"
export EQPROP_HARDWARE=$(cd "$(dirname "$0")/.." && pwd)/hardware
D="--dataset mnist --data ${EQPROP_MNIST:-../shared/datasets/mnist}"
$B train --preset paper-small $D --epochs 2 --train-limit 10000 --seed 1 --out $O/ps --json > $O/ps.json 2>$O/ps.err
$B train --preset paper-small $D --epochs 1 --train-limit 2000 --test-limit 1000 --beta-sign centered --seed 3 --out $O/psc --json > $O/psc.json 2>$O/psc.err
$B train --preset paper-small $D --epochs 1 --train-limit 2000 --test-limit 1000 --beta-sign random --seed 4 --out $O/psr --json > $O/psr.json 2>$O/psr.err
$B train --preset drn-xs $D --epochs 1 --seed 1 --out $O/xs --json > $O/xs.json 2>$O/xs.err
$B train --preset drn-xs $D --epochs 1 --train-limit 3000 --test-limit 1000 --hardware memristive --seed 2 --out $O/xsm --json > $O/xsm.json 2>$O/xsm.err
$B train --preset drn-xs $D --epochs 1 --train-limit 200 --test-limit 100 --solver ngspice --crosscheck-every 2 --seed 5 --out $O/xsn --json > $O/xsn.json 2>$O/xsn.err
$B train --preset drn-xs $D --epochs 1 --train-limit 2000 --test-limit 500 --beta-sign random --seed 6 --out $O/xsr --json > $O/xsr.json 2>$O/xsr.err
echo done > $O/DONE
