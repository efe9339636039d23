#!/usr/bin/env bash
# A Vulkan driver for the webgpu tests on a machine with no GPU: Mesa's software driver (lavapipe).
# Debian bookworm's own Mesa 22 gives Dawn no adapter; Mesa 25 from bookworm-backports does.
# Installs it with apt as root (or sudo) when it is missing or older than 25. Elsewhere (another
# distribution, a machine with a GPU driver) it only says what it found.
set -euo pipefail
log() { echo "[vulkan-setup] $*"; }

version=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
major=${version%%.*}
if [[ "$major" =~ ^[0-9]+$ ]] && [ "$major" -ge 25 ]; then
  log "mesa-vulkan-drivers $version already installed"
  exit 0
fi
codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
if [ "$codename" != bookworm ]; then
  log "not Debian bookworm (${codename:-unknown}): install your GPU's Vulkan driver, or Mesa 25's lavapipe, for the webgpu tests"
  exit 0
fi
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { log "need root (or sudo) to install mesa-vulkan-drivers from bookworm-backports"; exit 1; }
  SUDO=(sudo -n)
fi
src=/etc/apt/sources.list.d/backports.sources
if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
  log "adding $src"
  printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' | "${SUDO[@]}" tee "$src" >/dev/null
fi
log "installing mesa-vulkan-drivers from bookworm-backports (was: ${version:-none})"
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -t bookworm-backports mesa-vulkan-drivers </dev/null
log "mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
