#!/usr/bin/env bash
# Jupyter's own clients for the Jupyter-kernel tests (test/jupyter.test.ts): Debian's
# jupyter_kernel_test (the conformance suite), jupyter_client, nbconvert, nbformat and
# jupyter_server, for
# /usr/bin/python3. Installs them with apt as root (or sudo) when one is missing.
set -euo pipefail
log() { echo "[jupyter-setup] $*"; }
PACKAGES=(python3-jupyter-kernel-test python3-jupyter-client jupyter-nbconvert python3-nbformat python3-jupyter-server)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  log "already installed: ${PACKAGES[*]}"
  exit 0
fi
command -v apt-get >/dev/null || { log "no apt-get: install Python's jupyter_kernel_test, jupyter_client, nbconvert and nbformat, and set BMNB_PYTHON to that Python"; exit 1; }
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { log "need root (or sudo) to apt-get install ${missing[*]}"; exit 1; }
  SUDO=(sudo -n)
fi
log "installing ${missing[*]}"
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
