#!/usr/bin/env bash
# Regenerates the example decks in netlists/ and the schematic in docs/.
# A test (Tests/eqpropTests/NetlistCommandTests.swift) runs the same commands and fails when
# the committed files differ from what the code writes now, and runs every deck in stock
# `ngspice -b`, which must exit with status 0. No data set is needed: the digit
# examples take MNIST test sample 0 (a 7), resampled to 8x8, as explicit pixels.
set -euo pipefail
cd "$(dirname "$0")/.."
EQPROP=${EQPROP:-.build/release/eqprop}
OUT=${OUT:-netlists}
DOCS=${DOCS:-docs}
mkdir -p "$OUT" "$DOCS"
DIGIT=0,0,0,0,0,0,0,0,0,0.11721132695674896,0.16122004389762878,0.015686275437474251,0,0,0,0,0,0.28627452254295349,0.48409590125083923,0.62745094299316406,0.67843133211135864,0.71590417623519897,0.4252723753452301,0,0,0,0,0,0,0.63921570777893066,0.15424837172031403,0,0,0,0,0,0.17690631747245789,0.5738561749458313,0,0,0,0,0,0.0082788672298192978,0.69150334596633911,0.10413943231105804,0,0,0,0,0,0.43877997994422913,0.41612201929092407,0,0,0,0,0,0.0793028324842453,0.92287582159042358,0.062745101749897003,0,0,0
$EQPROP netlist --layers 4,8,2 --hardware hardware/real-diode.json --seed 1 --pixels 0.1,0.9,0.5,0.3 --out "$OUT/toy-4-8-2-free.cir" --force --svg "$DOCS/toy-4-8-2.svg"
$EQPROP netlist --layers 4,8,2 --hardware hardware/real-diode.json --seed 1 --pixels 0.1,0.9,0.5,0.3 --phase nudged --label 1 --beta 1 --out "$OUT/toy-4-8-2-nudged.cir" --force
$EQPROP netlist --layers 4,8,2 --hardware hardware/real-diode.json --seed 1 --pixels 0.1,0.9,0.5,0.3 --analysis tran --out "$OUT/toy-4-8-2-tran.cir" --force
$EQPROP netlist --layers 4,8,2 --hardware hardware/ideal.json --seed 1 --pixels 0.1,0.9,0.5,0.3 --out "$OUT/toy-4-8-2-ideal.cir" --force
$EQPROP netlist --layers 64,32,10 --hardware hardware/real-diode.json --seed 1 --pixels $DIGIT --out "$OUT/digit-64-32-10.cir" --force
$EQPROP netlist --layers 64,32,10 --hardware hardware/memristive.json --seed 1 --pixels $DIGIT --form norton --out "$OUT/digit-64-32-10-memristive-norton.cir" --force
