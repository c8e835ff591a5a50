#!/usr/bin/env python3
"""The training loop of the reference DRN code (Scellier 2024, the energy-based-learning
library's papers/fast-drn/drn.py), written again in numpy from its description, to tell this
project's choices from the reference's when a result differs (issue 18).

What it reproduces, in the reference's units (inputs ±gain·x, conductances in G_u, the correct
class's target 1):
- layers: 2·784 input sources, hidden layers of half excitatory (clamped ≥ 0) and half
  inhibitory (≤ 0) nodes, linear outputs; biases are current sources (a linear energy term);
- weights: a Kaiming-uniform draw U(−s, s), s = 1/√rows, clipped at 0 (`--init clipped`), or
  this project's `uniform` draw U(0, s) (`--init uniform`); clipped at 0 after every step;
- relaxation: exact block coordinate descent, odd layers then even layers, N iterations; in
  training every batch starts where the previous one ended, at evaluation from 0;
- centered EqProp (nudges ±β on ½‖o − y‖²), plain SGD, the reference's per-layer rates.

usage: reference_drn.py [--model drn-2h] [--samples 12000] [--init clipped] ...   (JSON lines)
"""
import argparse, gzip, json, os, time
import numpy as np

p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
p.add_argument("--model", default="drn-2h", choices=["drn-1h", "drn-2h", "drn-3h"])
p.add_argument("--data", default=os.environ.get("MNIST", "../shared/datasets/mnist"), help="folder of the MNIST IDX .gz files")
p.add_argument("--samples", type=int, default=12000, help="training samples (batches of 4)")
p.add_argument("--test", type=int, default=1000, help="test images per evaluation")
p.add_argument("--every", type=int, default=2000, help="evaluate every this many samples")
p.add_argument("--iterations", type=int, help="coordinate-descent iterations per phase (default: the reference's)")
p.add_argument("--reset", action="store_true", help="start every training batch from 0 V (with many iterations: the exact fixed point)")
p.add_argument("--init", default="clipped", choices=["clipped", "uniform"])
p.add_argument("--nudge", default="conductance", choices=["conductance", "current"],
               help="β on ½‖o − y‖² (the reference), or a fixed current β(y − o_free) (this project's default)")
p.add_argument("--lr-scale", type=float, default=1.0)
p.add_argument("--seed", type=int, default=1)
a = p.parse_args()

# hidden sizes, input gain, iterations, β, weight rates, bias rates: the reference's settings.
hidden, gain, iterations, beta, rate_w, rate_b = {
    "drn-1h": ([1024], 480.0, 4, 1.0, [0.006] * 2, [0.006] * 2),
    "drn-2h": ([1024, 1024], 2000.0, 5, 1.0, [0.002, 0.006, 0.018], [0.002, 0.006, 0.018]),
    "drn-3h": ([1024] * 3, 4000.0, 6, 2.0, [0.005, 0.02, 0.08, 0.005], [0.0005, 0.002, 0.008, 0.0005]),
}[a.model]
iterations = a.iterations or iterations
rate_w = [r * a.lr_scale for r in rate_w]
rate_b = [r * a.lr_scale for r in rate_b]

def idx(name):
    with gzip.open(os.path.join(a.data, name)) as f:
        d = f.read()
    if d[3] == 1:
        return np.frombuffer(d, np.uint8, offset=8)
    return np.frombuffer(d, np.uint8, offset=16).reshape(int.from_bytes(d[4:8], "big"), -1)

x_train = idx("train-images-idx3-ubyte.gz").astype(np.float32) / 255
y_train = idx("train-labels-idx1-ubyte.gz")
x_test = idx("t10k-images-idx3-ubyte.gz").astype(np.float32) / 255
y_test = idx("t10k-labels-idx1-ubyte.gz")

rng = np.random.default_rng(a.seed)
sizes = [1568] + hidden + [10]
L = len(sizes) - 1  # free layers 1…L; L is the output
W = []
for rows, cols in zip(sizes[:-1], sizes[1:]):
    s = 1 / np.sqrt(rows)
    low = -s if a.init == "clipped" else 0.0
    W.append(rng.uniform(low, s, (rows, cols)).astype(np.float32).clip(0, None))
b = [np.zeros(n, np.float32) for n in sizes[1:]]

def clamp(k, v):
    if k < L:
        h = v.shape[1] // 2
        v[:, :h] = np.maximum(v[:, :h], 0)
        v[:, h:] = np.minimum(v[:, h:], 0)
    return v

def relax(state, x, nudge, y, output_free=None):
    """Block coordinate descent: each layer at the exact minimum given its neighbours."""
    state[0] = np.concatenate([x, -x], 1) * gain
    col = [w.sum(0) for w in W]
    row = [w.sum(1) for w in W]
    for _ in range(iterations):
        for group in (range(1, L + 1, 2), range(2, L + 1, 2)):
            new = {}
            for k in group:
                num, den = state[k - 1] @ W[k - 1] + b[k - 1], col[k - 1]
                if k < L:
                    num, den = num + state[k + 1] @ W[k].T, den + row[k]
                elif nudge and a.nudge == "conductance":
                    num, den = num + nudge * y, den + nudge
                elif nudge:
                    num = num + nudge * (y - output_free)
                new[k] = clamp(k, num / den)
            state.update(new)
    return state

def energy_gradients(state):
    """∂E/∂W = ½ mean_b (s_i − s_j)², ∂E/∂b = −mean_b s."""
    gw, gb = [], []
    for k in range(L):
        pre, post = state[k], state[k + 1]
        gw.append(0.5 * ((pre ** 2).mean(0)[:, None] + (post ** 2).mean(0)[None, :]) - pre.T @ post / len(pre))
        gb.append(-post.mean(0))
    return gw, gb

def fresh(batch):
    return {k: np.zeros((batch, n), np.float32) for k, n in enumerate(sizes) if k > 0}

def test_error(n):
    wrong = 0
    for i in range(0, n, 100):
        s = relax(fresh(len(x_test[i:i + 100])), x_test[i:i + 100], 0.0, None)
        wrong += int((s[L].argmax(1) != y_test[i:i + 100]).sum())
    return wrong / n

order = rng.permutation(len(x_train))
state, start = fresh(4), time.time()
print(json.dumps({"samples": 0, "test_error": test_error(a.test)}), flush=True)
for done in range(4, a.samples + 1, 4):
    ids = order[(done - 4) % len(order):][:4]
    x, y = x_train[ids], np.eye(10, dtype=np.float32)[y_train[ids]]
    if a.reset:
        state = fresh(4)
    free = relax(state, x, 0.0, y)
    minus = relax({k: v.copy() for k, v in free.items()}, x, -beta, y, free[L])
    plus = relax({k: v.copy() for k, v in free.items()}, x, beta, y, free[L])
    (gw_m, gb_m), (gw_p, gb_p) = energy_gradients(minus), energy_gradients(plus)
    for k in range(L):
        W[k] -= rate_w[k] * (gw_p[k] - gw_m[k]) / (2 * beta)
        np.maximum(W[k], 0, out=W[k])
        b[k] -= rate_b[k] * (gb_p[k] - gb_m[k]) / (2 * beta)
    state = plus
    if done % a.every == 0:
        print(json.dumps({"samples": done, "test_error": test_error(a.test), "seconds": round(time.time() - start, 1)}), flush=True)
