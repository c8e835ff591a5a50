#!/usr/bin/env python3
"""Checks every format of `eqprop export` with real readers against `eqprop infer`.

    python3 scripts/check_exports.py --eqprop .build/release/eqprop --exports DIR/model \\
        --dataset mnist --data DATA_DIR --limit 1000 [--json]

expects DIR/model.safetensors, .npz, .json, .onnx and .c/.h (written by `eqprop export`) and:

1. runs `eqprop infer --scores-out` on the safetensors and the npz file (the reference scores;
   both must agree bit for bit);
2. loads the safetensors file with the `safetensors` package, the npz with numpy, the JSON with
   `json`, and runs the forward pass in numpy (float32) from the metadata's activations and
   readout; all three must hold the same float32 tensors;
3. checks the ONNX model with `onnx.checker.check_model(..., full_check=True)` and runs it with
   onnxruntime;
4. compiles the C code with `cc -O2 -std=c99 -Wall -Wextra -pedantic -Werror` and
   scripts/export_driver.c, and runs it on the same images (float and int8).

Every float implementation must predict the classes eqprop predicts, with scores within 1e-5
(--tolerance); the int8 C code's test error must be within 0.2 points of the float one
(--int8-tolerance). The images are the first --limit test images of the data set.

Prints a report on standard error and, with --json, one JSON line of measurements on standard
output; exits with status 1 on any failure (a missing Python package is a failure, named).
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile

MISSING = []
try:
    import numpy as np
except ImportError:
    MISSING.append("numpy")
try:
    from safetensors import safe_open
except ImportError:
    MISSING.append("safetensors")
try:
    import onnx
except ImportError:
    MISSING.append("onnx")
try:
    import onnxruntime
except ImportError:
    MISSING.append("onnxruntime")


def read_idx(folder, base):
    """The body of an IDX file (raw or .gz) and its dimensions."""
    for name in (base + ".gz", base):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            data = (gzip.open if name.endswith(".gz") else open)(path, "rb").read()
            ndim = data[3]
            dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
            return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)
    raise SystemExit(f"check_exports: {folder}: no {base}[.gz]")


def activate(name, v):
    """The plain activations of eqprop's UnitActivation, in float32."""
    if name == "hard-sigmoid":
        return np.clip(v, np.float32(0), np.float32(1))
    if name == "excitatory-inhibitory":
        half = v.shape[1] // 2
        return np.concatenate([np.maximum(v[:, :half], np.float32(0)), np.minimum(v[:, half:], np.float32(0))], axis=1)
    if name == "identity":
        return v
    raise ValueError(f"unknown activation {name}")


def numpy_scores(tensors, metadata, pixels):
    """Forward pass from PyTorch-layout tensors ([out, in] weights) and the readout."""
    activations = metadata["activations"].split(",")
    h = pixels
    for l, name in enumerate(activations):
        w, b = tensors[f"layers.{l}.weight"], tensors[f"layers.{l}.bias"]
        assert w.dtype == np.float32 and b.dtype == np.float32, f"layers.{l}: not float32"
        h = activate(name, (h @ w.T + b).astype(np.float32))
    classes = int(metadata["classes"])
    if metadata["readout"] == "differential":
        return h[:, :classes] - h[:, classes:2 * classes]
    return h


class Report:
    def __init__(self, reference, labels, tolerance):
        self.reference, self.labels, self.tolerance = reference, labels, tolerance
        self.predicted = reference.argmax(axis=1)
        self.failures, self.results = [], {}

    def fail(self, message):
        self.failures.append(message)
        print("FAIL: " + message, file=sys.stderr)

    def compare(self, name, scores, predicted=None):
        scores = np.asarray(scores, np.float32)
        if scores.shape != self.reference.shape:
            self.fail(f"{name}: scores of shape {scores.shape}, eqprop's are {self.reference.shape}")
            return
        predicted = scores.argmax(axis=1) if predicted is None else np.asarray(predicted)
        diff = float(np.abs(scores - self.reference).max())
        mismatches = int((predicted != self.predicted).sum())
        error = float((predicted != self.labels).mean())
        self.results[name] = {"max_abs_diff": diff, "prediction_mismatches": mismatches, "test_error": error}
        print(f"{name:12s} max |score - eqprop| = {diff:.3g}, {mismatches} predictions differ, "
              f"test error {100 * error:.2f}%", file=sys.stderr)
        if not diff <= self.tolerance:
            self.fail(f"{name}: scores differ from eqprop's by up to {diff:.3g} (tolerance {self.tolerance:g})")
        if mismatches:
            self.fail(f"{name}: {mismatches} predicted classes differ from eqprop's")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eqprop", required=True, help="the eqprop executable")
    parser.add_argument("--exports", required=True, help="path stem of the exports (STEM.safetensors, STEM.onnx, ...)")
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--data", required=True, help="folder of the IDX files")
    parser.add_argument("--limit", type=int, default=1000, help="first N test images (default 1000)")
    parser.add_argument("--cc", default=os.environ.get("CC", "cc"))
    parser.add_argument("--tolerance", type=float, default=1e-5)
    parser.add_argument("--int8-tolerance", type=float, default=0.002, help="|int8 - float| test error (0.002 = 0.2 points)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if MISSING:
        print("check_exports: missing Python packages: " + ", ".join(MISSING)
              + " (pip install numpy safetensors onnx onnxruntime; scripts/setup.sh does it)", file=sys.stderr)
        return 1
    stem = args.exports
    for ext in ("safetensors", "npz", "json", "onnx", "c", "h"):
        if not os.path.exists(f"{stem}.{ext}"):
            print(f"check_exports: {stem}.{ext} is missing (write it with eqprop export --format ...)", file=sys.stderr)
            return 1
    images = read_idx(args.data, "t10k-images-idx3-ubyte")[: args.limit]
    labels = read_idx(args.data, "t10k-labels-idx1-ubyte")[: args.limit].astype(np.int64)
    count = len(labels)
    pixels = (images.reshape(count, -1).astype(np.float32) / np.float32(255)).astype(np.float32)

    with tempfile.TemporaryDirectory(prefix="eqprop-check-") as tmp:
        # 1. eqprop's own scores, from both files it reads.
        reference = {}
        for ext in ("safetensors", "npz"):
            out = os.path.join(tmp, f"{ext}.npy")
            run = subprocess.run([args.eqprop, "infer", "--weights", f"{stem}.{ext}", "--dataset", args.dataset,
                                  "--data", args.data, "--test-limit", str(count), "--scores-out", out, "--json"],
                                 capture_output=True, text=True)
            if run.returncode != 0:
                print(f"check_exports: eqprop infer --weights {stem}.{ext} failed:\n{run.stderr}", file=sys.stderr)
                return 1
            reference[ext] = np.load(out)
        report = Report(reference["safetensors"], labels, args.tolerance)
        if not np.array_equal(reference["safetensors"], reference["npz"]):
            report.fail("eqprop infer gives different scores for the safetensors and the npz file")
        print(f"eqprop infer: test error {100 * float((report.predicted != labels).mean()):.2f}% on {count} images",
              file=sys.stderr)

        # 2. The weight formats, read by their own libraries, run in numpy.
        with safe_open(f"{stem}.safetensors", framework="np") as f:
            metadata = f.metadata()
            st = {k: f.get_tensor(k) for k in f.keys()}
        for key in ("format", "eqprop_version", "architecture", "activations", "readout", "classes", "input",
                    "test_error_feedforward", "test_samples", "model", "source_run"):
            if key not in metadata:
                report.fail(f"safetensors metadata lacks '{key}'")
        sizes = [int(s) for s in metadata["architecture"].split(",")]
        for l in range(len(sizes) - 1):
            if st[f"layers.{l}.weight"].shape != (sizes[l + 1], sizes[l]):
                report.fail(f"layers.{l}.weight has shape {st[f'layers.{l}.weight'].shape}, expected [out, in]")
        report.compare("safetensors", numpy_scores(st, metadata, pixels))

        with np.load(f"{stem}.npz", allow_pickle=False) as z:
            npz_metadata = json.loads(str(z["metadata"]))
            npz = {k: z[k] for k in z.files if k != "metadata"}
        if npz_metadata != metadata:
            report.fail("npz metadata differs from the safetensors metadata")
        if set(npz) != set(st) or any(not np.array_equal(npz[k], st[k]) for k in st):
            report.fail("npz tensors differ from the safetensors tensors")
        report.compare("npz", numpy_scores(npz, npz_metadata, pixels))

        with open(f"{stem}.json") as f:
            document = json.load(f)
        from_json = {}
        for l, layer in enumerate(document["layers"]):
            from_json[f"layers.{l}.weight"] = np.array(layer["weight"], np.float32)
            from_json[f"layers.{l}.bias"] = np.array(layer["bias"], np.float32)
        if any(not np.array_equal(from_json[k], st[k]) for k in st):
            report.fail("JSON weights do not read back as the safetensors float32 values")
        if document["metadata"] != metadata:
            report.fail("JSON metadata differs from the safetensors metadata")
        report.compare("json", numpy_scores(from_json, document["metadata"], pixels))

        # 3. ONNX: the checker, then onnxruntime.
        model = onnx.load(f"{stem}.onnx")
        try:
            onnx.checker.check_model(model, full_check=True)
        except Exception as e:  # noqa: BLE001 - any checker failure is a failure
            report.fail(f"onnx.checker.check_model(full_check=True): {e}")
        onnx_metadata = {p.key: p.value for p in model.metadata_props}
        if onnx_metadata != metadata:
            report.fail("ONNX metadata_props differ from the safetensors metadata")
        session = onnxruntime.InferenceSession(f"{stem}.onnx", providers=["CPUExecutionProvider"])
        names = [o.name for o in session.get_outputs()]
        if names[:2] != ["scores", "class"]:
            report.fail(f"ONNX outputs are {names}, expected scores then class")
        scores, classes = session.run(None, {session.get_inputs()[0].name: pixels})
        report.compare("onnx", scores, classes)

        # 4. C: compile with the driver, run float and int8.
        driver = os.path.join(os.path.dirname(os.path.abspath(__file__)), "export_driver.c")
        binary = os.path.join(tmp, "driver")
        header = os.path.basename(stem) + ".h"
        compile_command = [args.cc, "-O2", "-std=c99", "-Wall", "-Wextra", "-pedantic", "-Werror",
                           f'-DEQPROP_HEADER="{header}"', "-I", os.path.dirname(os.path.abspath(stem)),
                           driver, f"{stem}.c", "-o", binary, "-lm"]
        build = subprocess.run(compile_command, capture_output=True, text=True)
        if build.returncode != 0:
            report.fail(f"{' '.join(compile_command)} failed:\n{build.stderr}")
        else:
            raw = os.path.join(tmp, "images.u8")
            images.reshape(count, -1).tofile(raw)
            run = subprocess.run([binary, raw, str(count)], capture_output=True, text=True)
            if run.returncode != 0:
                report.fail(f"the C driver failed: {run.stderr}")
            else:
                rows = np.array([line.split() for line in run.stdout.splitlines()], dtype=np.float64)
                classes_count = report.reference.shape[1]
                report.compare("c", rows[:, 2:2 + classes_count].astype(np.float32), rows[:, 0].astype(np.int64))
                int8_predicted = rows[:, 1].astype(np.int64)
                int8_error = float((int8_predicted != labels).mean())
                float_error = report.results["c"]["test_error"]
                report.results["c_int8"] = {
                    "test_error": int8_error,
                    "max_abs_diff": float(np.abs(rows[:, 2 + classes_count:] - rows[:, 2:2 + classes_count]).max()),
                    "prediction_mismatches": int((int8_predicted != report.predicted).sum()),
                }
                print(f"c int8       test error {100 * int8_error:.2f}% (float {100 * float_error:.2f}%), "
                      f"{report.results['c_int8']['prediction_mismatches']} predictions differ from float", file=sys.stderr)
                if abs(int8_error - float_error) > args.int8_tolerance:
                    report.fail(f"int8 test error {100 * int8_error:.2f}% is more than {100 * args.int8_tolerance:.2g} "
                                f"points from the float one ({100 * float_error:.2f}%)")

    summary = {"ok": not report.failures, "samples": count,
               "eqprop_test_error": float((report.predicted != labels).mean()),
               "formats": report.results, "failures": report.failures}
    if args.json:
        print(json.dumps(summary, sort_keys=True))
    print("all exports agree with eqprop infer" if not report.failures else f"{len(report.failures)} failure(s)",
          file=sys.stderr)
    return 0 if not report.failures else 1


if __name__ == "__main__":
    sys.exit(main())
