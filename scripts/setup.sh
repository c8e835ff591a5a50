#!/usr/bin/env bash
# Installs what eqprop needs from Debian and builds it in release mode.
#
#   scripts/setup.sh                 install missing packages, then build
#   scripts/setup.sh --install-only  install only (CI runs the tests itself)
#   scripts/setup.sh --no-install    build only
#
# Debian packages: OpenBLAS (BLAS), libngspice + the ngspice binary (circuit simulation),
# zlib (gzip), Fashion-MNIST (a data set that works out of the box), pkg-config, Open MPI
# (mpirun and libmpi, for data-parallel runs under `mpirun`; eqprop loads libmpi only then).
# Python packages (for checking exported weights in the tests): numpy, safetensors, onnx,
# onnxruntime, installed with pip.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libopenblas-dev libngspice0-dev ngspice zlib1g-dev dataset-fashion-mnist pkg-config python3-pip openmpi-bin libopenmpi-dev)
python_packages=(numpy safetensors onnx onnxruntime)
install=1
build=1
case "${1:-}" in
  --install-only) build=0 ;;
  --no-install) install=0 ;;
  "") ;;
  *) echo "usage: $0 [--install-only | --no-install]" >&2; exit 2 ;;
esac

if [ "$install" = 1 ]; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  py_missing=()
  for p in "${python_packages[@]}"; do
    python3 -c "import $p" 2>/dev/null || py_missing+=("$p")
  done
  if [ "${#py_missing[@]}" -gt 0 ]; then
    echo "installing Python packages: ${py_missing[*]}" >&2
    python3 -m pip install --quiet --disable-pip-version-check "${py_missing[@]}" \
      || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "${py_missing[@]}"
  fi
fi

if [ "$build" = 1 ]; then
  swift build -c release --product eqprop
  echo "built .build/release/eqprop" >&2
fi
