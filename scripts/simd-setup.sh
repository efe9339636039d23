#!/usr/bin/env bash
# The toolchain for bmnb's SIMD kernels (scripts/build-simd.mjs): clang with its wasm32 target and
# lld's wasm-ld, from Debian (apt, as root or through sudo). Does nothing when they are there.
set -euo pipefail
if printf 'int f(void){return 0;}' | clang --target=wasm32 -msimd128 -nostdlib -Wl,--no-entry -o /dev/null -x c - 2>/dev/null; then
  echo "[simd-setup] clang and wasm-ld already installed"
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends clang lld
echo "[simd-setup] installed: $(clang --version | head -1)"
