#!/usr/bin/env bash
# Regenerates the example decks in netlists/ and the schematic in docs/.
# A test (Tests/eqpropTests/NetlistCommandTests.swift) runs the same commands and fails when
# the committed files differ from what the code writes now. MNIST must be findable (see the
# README's data search path) for the digit examples.
set -euo pipefail
cd "$(dirname "$0")/.."
EQPROP=${EQPROP:-.build/release/eqprop}
OUT=${OUT:-netlists}
DOCS=${DOCS:-docs}
mkdir -p "$OUT" "$DOCS"
$EQPROP netlist --layers 4,8,2 --hardware hardware/real-diode.json --seed 1 --pixels 0.1,0.9,0.5,0.3 --out "$OUT/toy-4-8-2-free.cir" --force --svg "$DOCS/toy-4-8-2.svg"
$EQPROP netlist --layers 4,8,2 --hardware hardware/real-diode.json --seed 1 --pixels 0.1,0.9,0.5,0.3 --phase nudged --label 1 --beta 1e-4 --out "$OUT/toy-4-8-2-nudged.cir" --force
$EQPROP netlist --layers 4,8,2 --hardware hardware/ideal.json --seed 1 --pixels 0.1,0.9,0.5,0.3 --out "$OUT/toy-4-8-2-ideal.cir" --force
$EQPROP netlist --layers 64,32,10 --hardware hardware/real-diode.json --seed 1 --dataset mnist --sample 0 --out "$OUT/digit-64-32-10.cir" --force
$EQPROP netlist --layers 64,32,10 --hardware hardware/memristive.json --seed 1 --dataset mnist --sample 0 --form norton --out "$OUT/digit-64-32-10-memristive-norton.cir" --force
