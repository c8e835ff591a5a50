#!/usr/bin/env bash
# Regenerates the quick figures shown in the README (docs/figures/). Needs MNIST (see the
# README's data search path); takes several minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
EQPROP=${EQPROP:-.build/release/eqprop}
for f in 1 2 3 4; do
  $EQPROP figures --figure "$f" --quick --out docs/figures --dataset mnist "$@"
done
