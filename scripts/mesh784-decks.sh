#!/usr/bin/env bash
# Issue 16's meshed 784-100-10 decks against ngspice: r in {0.1, 1} ohm, one tile or 256 x 256
# tiles, test samples 0-2, free and nudged (toward the sample's label); a fresh seed-1 network.
#
#   scripts/mesh784-decks.sh OUT_DIR [MNIST_DIR]
#
# Each deck is written and checked by `eqprop netlist --verify` (largest |V_ngspice - V_swift|
# within 1e-6 V) under /usr/bin/time; a deck whose JSON exists is skipped, so a cut run resumes.
# NGSPICE selects the ngspice program: Debian's ngspice 39 takes 22-32 min per deck, an ngspice
# built with KLU (scripts/build-ngspice-klu.sh) about 1 min. Prints the table of BENCHMARKS.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: scripts/mesh784-decks.sh OUT_DIR [MNIST_DIR]}
data=${2:-$root/../shared/datasets/mnist}
eqprop=${EQPROP:-$root/.build/release/eqprop}
mkdir -p "$out" && cd "$out"
python3 - "$root/hardware/ideal-mesh.json" <<'PY'
import json, sys
base = json.load(open(sys.argv[1]))
for r in (0.1, 1.0):
    for tiled in (True, False):
        h = dict(base, wire_resistance_ohms=r, name=f"mesh-{r:g}ohm-{'t256' if tiled else 'untiled'}")
        if not tiled: h.pop("tile_rows"); h.pop("tile_columns")
        json.dump(h, open(h["name"] + ".json", "w"), indent=2)
PY
for s in 0 1 2; do for phase in free nudged; do for h in mesh-1ohm-t256 mesh-0.1ohm-untiled mesh-1ohm-untiled mesh-0.1ohm-t256; do
  n=$h-s$s-$phase
  [ -s "$n.json" ] && continue
  echo "deck $n ..." >&2
  /usr/bin/time -v -o "$n.time" "$eqprop" netlist --layers 784,100,10 --hardware "$PWD/$h.json" --sample $s \
    --dataset mnist --data "$data" --phase $phase --out "$n.cir" --force --verify --tolerance 1e-6 --json > "$n.json.part" \
    || echo "deck $n: verification failed (exit $?)" >&2
  mv "$n.json.part" "$n.json" && rm -f "$n.cir"
done; done; done
python3 - <<'PY'
import glob, json, re
rows = []
for f in sorted(glob.glob("mesh-*-s?-*.json")):
    d, t = json.load(open(f)), open(f[:-5] + ".time").read()
    v = d["verification"]
    m = re.match(r"(mesh-[\d.]+ohm-\w+)-s(\d)-(\w+)\.json", f)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1)
    cpu = float(re.search(r"User time \(seconds\): (\S+)", t).group(1))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1e6
    power = abs(v["static_power_watts_ngspice"] - v["static_power_watts_swift"]) / v["static_power_watts_ngspice"]
    rows.append((m.group(1), int(m.group(2)), m.group(3), v["max_abs_difference_volts"], v["worst_node"],
                 v["predicted_class_ngspice"], v["predicted_class_swift"], power, wall, cpu, rss, v["passed"]))
for r in sorted(rows):
    print("| %s | %d | %s | %.1e V (%s) | %d / %d | %.0e | %s | %.0f s | %.2f GB | %s |" % (*r[:-1], "pass" if r[-1] else "FAIL"))
print(f"{len(rows)} decks; largest difference {max(r[3] for r in rows):.2e} V; failed: {sum(not r[-1] for r in rows)}")
PY
