#!/usr/bin/env bash
# Builds ngspice with the KLU sparse solver (Debian's ngspice 39 has only Sparse 1.3), for large
# decks: the meshed 784-100-10 deck of `ideal-mesh` takes ~1 min in ngspice-46 with KLU against
# 22-32 min in Debian's ngspice (BENCHMARKS.md, "The 784-100-10 mesh in ngspice").
#
#   scripts/build-ngspice-klu.sh [PREFIX [SOURCE]]
#
# PREFIX defaults to $HOME/.local/ngspice-klu; SOURCE is an ngspice git checkout or repository
# URL (default: upstream's, tag ngspice-46). Then run decks with it:
#   NGSPICE=PREFIX/bin/ngspice eqprop netlist ... --verify
# A deck selects KLU with `.options klu=1` (a preset's spice_options.klu, set in ideal-mesh).
set -euo pipefail
prefix=${1:-$HOME/.local/ngspice-klu}
source=${2:-https://git.code.sf.net/p/ngspice/ngspice}
tag=${NGSPICE_TAG:-ngspice-46}
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q autoconf automake libtool bison flex libreadline-dev >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Each step logs to $work; a failing step prints its log's last lines.
step() { local log=$1; shift; "$@" > "$work/$log" 2>&1 || { tail -n 30 "$work/$log" >&2; echo "build-ngspice-klu: '$*' failed" >&2; exit 1; }; }
step clone.log git clone -q --depth 1 --branch "$tag" "$source" "$work/ngspice"
cd "$work/ngspice"
step autogen.log ./autogen.sh
mkdir build && cd build
step configure.log ../configure --prefix="$prefix" --enable-klu --with-x=no --enable-xspice --disable-debug --enable-openmp=no
grep -q "KLU solver enabled" "$work/configure.log" || { echo "build-ngspice-klu: configure did not enable KLU" >&2; exit 1; }
step make.log make -j"$(nproc)"
step install.log make install
"$prefix/bin/ngspice" -v | grep -q "Compiled with KLU" || { echo "build-ngspice-klu: $prefix/bin/ngspice has no KLU" >&2; exit 1; }
echo "built $prefix/bin/ngspice (with KLU); use it with NGSPICE=$prefix/bin/ngspice"
