#!/usr/bin/env python3
"""Data-parallel scaling of `mpirun -np N eqprop train` on paper (issue 17, BENCHMARKS.md).

Per minibatch of B samples on N machines (one rank each):

    T(N) = fixed + ceil(B / N) * per_sample + comm(N)

- `fixed`: work every rank repeats for the whole batch and that does not shrink with N: the
  EqProp update of every cell, the feedforward pass and local-loss step, and for ngspice the
  deck each worker loads once per batch (the conductances changed).
- `per_sample`: the relaxation of one sample in all three phases (free, +beta, -beta).
- `comm(N)`: three allgathers (one per phase), each a count exchange and the states; Open MPI
  uses recursive doubling / Bruck for these sizes: ceil(log2 N) latency steps twice, and every
  rank receives (N-1)/N of the batch's B * nodes * 8 bytes.

Costs are measured on this machine (see BENCHMARKS.md for the commands); the network is a
stated assumption: 10 Gbit/s and 20 us per message. Prints epoch time and efficiency
T(1) / (N * T(N)) for 1..64 machines.
"""
import math
import sys

LATENCY = 20e-6            # s per message
BANDWIDTH = 10e9 / 8       # bytes/s
SAMPLES = 60_000           # one MNIST epoch



# Measured on this machine, 2026-12-05 (BENCHMARKS.md, "Data-parallel training"): per-batch
# time of `mpirun -np 1 eqprop train` at batch 4 and batch 64, solved for
# T(B) = fixed + B * per_sample. (label, free nodes per sample, fixed s/batch, s/sample)
MEASURED = [
    ("drn-xs, Swift", 110, 0.308e-3, 50.7e-6),
    ("drn-1h, Swift", 1034, 2.44e-3, 279e-6),
    ("drn-xs, ngspice (1 worker per machine)", 110, 16.8e-3, 2.62e-3),
    ("drn-1h, ngspice (1 worker per machine)", 1034, 463e-3, 33.9e-3),
    # drn-xl (issue 18, item 4): `mpirun -np 1 eqprop train --preset drn-xl --batch-size B
    # --train-limit 320`, B = 4: 33.8 samples/s, B = 16: 81.2 samples/s (118.3 and 197.0 ms per batch).
    ("drn-xl, Swift", 32778, 92.1e-3, 6.56e-3),
]

# Global batches tabulated per network (default 4 and 64; drn-xl: 4 and 16, its measured sizes).
BATCHES = {"drn-xl, Swift": [4, 16]}


def comm(n, batch, nodes):
    if n == 1:
        return 0.0
    steps = math.ceil(math.log2(n))
    volume = batch * nodes * 8 * (n - 1) / n
    return 3 * (2 * steps * LATENCY + volume / BANDWIDTH)


def duration(seconds):
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def table(name, nodes, fixed, per_sample, batch):
    t1 = fixed + batch * per_sample
    rows = []
    for n in [1, 2, 4, 8, 16, 32, 64]:
        if n > batch:
            rows.append(f"| {name} | {batch} | {n}–64 | — | — | a rank needs a sample: N ≤ B |")
            break
        c = comm(n, batch, nodes)
        t = fixed + math.ceil(batch / n) * per_sample + c
        rows.append(f"| {name} | {batch} | {n} | {duration(SAMPLES / batch * t)} | {t1 / (n * t):.0%} "
                    f"| {t * 1e3:.2f} ms ({fixed * 1e3:.2f} repeated, {c * 1e3:.2f} network) |")
    return rows


if __name__ == "__main__":
    if len(sys.argv) > 1:
        sys.exit("usage: scaling-model.py (the measured costs are in the script)")
    print("| network, solver | global batch | machines | epoch (60,000 samples) | efficiency | per batch |")
    print("|---|---|---|---|---|---|")
    for label, nodes, fixed, sample in MEASURED:
        for batch in BATCHES.get(label, [4, 64]):
            print("\n".join(table(label, nodes, fixed, sample, batch)))
