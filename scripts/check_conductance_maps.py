#!/usr/bin/env python3
"""Checks `eqprop export --format conductances` with readers of its own: every CSV value against
the run's network.drn.safetensors (read with the safetensors library), and every heat map's
embedded PNG (chunk CRCs with zlib.crc32, the inflated scanlines' length and filter bytes).

usage: check_conductance_maps.py RUN_FOLDER MAP_FOLDER   (prints one JSON line; exit 1 on a mismatch)
"""
import base64, csv, json, re, struct, sys, zlib
import numpy as np
from safetensors.numpy import load_file

run, maps = sys.argv[1], sys.argv[2]
tensors = load_file(f"{run}/network.drn.safetensors")
depth = sum(1 for k in tensors if k.startswith("crossbar."))
result = {"crossbars": depth, "cells": 0, "worst_relative_difference": 0.0, "png": []}

def check_png(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "PNG signature"
    pos, idat, size = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"CRC of {kind}"
        if kind == b"IHDR":
            w, h, bits, colour = struct.unpack(">IIBB", body[:10])
            assert bits == 8 and colour == 2, "8-bit RGB"
            size = (w, h)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    w, h = size
    assert len(raw) == (3 * w + 1) * h, "scanline bytes"
    assert all(raw[y * (3 * w + 1)] == 0 for y in range(h)), "filter bytes"
    return [w, h]

for l in range(1, depth + 1):
    g = tensors[f"crossbar.{l - 1}"]
    with open(f"{maps}/crossbar-{l}.csv") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    values = np.array([[float(v) for v in r[1:]] for r in body])
    assert header[0] == "row" and len(header) == g.shape[1] + 1 and values.shape == g.shape, f"crossbar {l} shape"
    relative = np.max(np.abs(values - g) / np.maximum(np.abs(g), 1e-300))
    result["worst_relative_difference"] = max(result["worst_relative_difference"], float(relative))
    result["cells"] += int(g.size)
    svg = open(f"{maps}/crossbar-{l}.svg").read()
    png = re.search(r'data:image/png;base64,([A-Za-z0-9+/=]+)"', svg)
    assert png, f"crossbar-{l}.svg embeds no PNG"
    result["png"].append(check_png(base64.b64decode(png.group(1))))

with open(f"{maps}/biases.csv") as f:
    biases = list(csv.reader(f))[1:]
for l in range(1, depth + 1):
    mine = np.array([[float(r[2]), float(r[3])] for r in biases if r[0] == str(l)])
    want = np.stack([tensors[f"bias_positive.{l - 1}"], tensors[f"bias_negative.{l - 1}"]], axis=1)
    assert mine.shape == want.shape, f"biases of layer {l}"
    relative = np.max(np.abs(mine - want) / np.maximum(np.abs(want), 1e-300))
    result["worst_relative_difference"] = max(result["worst_relative_difference"], float(relative))

print(json.dumps(result))
sys.exit(0 if result["worst_relative_difference"] <= 1e-9 else 1)
