#!/usr/bin/env bash
# Install everything vecdex needs on a fresh Debian 12 + Node 20 machine, then build it.
#
#   bash scripts/setup.sh
#
# Idempotent: safe to run again; a second run only re-checks (pnpm and turbo cache the work).
# Needs: Node >= 20.18 with npm, python3, make and g++ (better-sqlite3 and hnswlib-node are
# compiled from source by node-gyp against Node's own headers, about a minute each on 2 cores).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PNPM_VERSION="$(node -p "(require('./package.json').packageManager || 'pnpm@10').split('@')[1]")"

step() { printf '\n==> %s\n' "$*"; }
fail() {
  printf '\nsetup.sh: FAILED: %s\n' "$1" >&2
  shift
  for line in "$@"; do printf '  %s\n' "$line" >&2; done
  exit 1
}
elapsed() { printf '%ds' "$((SECONDS - $1))"; }

# ---- Node -------------------------------------------------------------------------------------
step "checking Node.js"
command -v node >/dev/null || fail "node is not installed" "Install Node.js 20.18 or newer."
node -e '
  const [maj, min] = process.versions.node.split(".").map(Number);
  if (maj < 20 || (maj === 20 && min < 18)) { console.error("Node " + process.versions.node + " is too old"); process.exit(1); }
' || fail "Node.js $(node --version) is too old" "vecdex needs Node 20.18 or newer."
echo "node $(node --version), npm $(npm --version 2>/dev/null || echo '?')"

# node-gyp must build against the headers of the Node that runs the code, without downloading
# them (the network reaches only the package registries). Debian's nodejs ships them in
# /usr/include/node; point node-gyp there unless the user configured something else.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ] && [ "$(command -v node)" = /usr/bin/node ]; then
  export npm_config_nodedir=/usr
fi
for tool in python3 make g++; do
  command -v "$tool" >/dev/null || fail "$tool is missing" \
    "better-sqlite3 and hnswlib-node are compiled from source with node-gyp, which needs python3, make and g++." \
    "On Debian: apt-get install -y python3 make g++"
done

# ---- pnpm -------------------------------------------------------------------------------------
step "checking pnpm ${PNPM_VERSION}"
have_pnpm() { command -v pnpm >/dev/null && [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; }
if ! have_pnpm; then
  echo "pnpm ${PNPM_VERSION} not found ($(command -v pnpm >/dev/null && pnpm --version 2>/dev/null || echo 'none')); installing with npm"
  # shellcheck source=scripts/retry.sh
  . "$ROOT/scripts/retry.sh"
  # Transient registry or file-system errors (ENOENT in npm's cache, a dropped connection) pass
  # on a later attempt: three attempts each, with 2 s and 4 s pauses between them.
  if ! retry 3 npm install -g "pnpm@${PNPM_VERSION}" --no-fund --no-audit; then
    echo "npm install -g failed; trying corepack"
    retry 3 bash -c 'corepack enable pnpm && corepack prepare "pnpm@$1" --activate' _ "$PNPM_VERSION" ||
      fail "could not install pnpm ${PNPM_VERSION} (npm install -g and corepack both failed, 3 attempts each)" \
        "If npm failed with ENOENT or EINTEGRITY: run 'npm cache verify' (or 'npm cache clean --force') and rerun this script." \
        "If corepack said 'No compatible signature found': this corepack predates npm's current signing keys;" \
        "  update it with 'npm install -g corepack@latest' and rerun, or install pnpm directly:" \
        "  npm install -g pnpm@${PNPM_VERSION}" \
        "Without network access to the npm registry, install pnpm ${PNPM_VERSION} by hand and put it on PATH."
  fi
  hash -r
  have_pnpm || fail "pnpm ${PNPM_VERSION} is still not on PATH after installing it" "PATH=$PATH"
fi
echo "pnpm $(pnpm --version)"

# ---- dependencies -----------------------------------------------------------------------------
step "installing dependencies (pnpm install --frozen-lockfile)"
t0=$SECONDS
pnpm install --frozen-lockfile --reporter=append-only ||
  fail "pnpm install failed" \
    "If it says the lockfile is out of date: run 'pnpm install' on a development machine and commit pnpm-lock.yaml." \
    "If a native build (better-sqlite3, hnswlib-node) failed: check python3, make, g++ and Node's headers in /usr/include/node."
echo "install took $(elapsed "$t0")"

# The native addons must have been built (pnpm skips install scripts it was not allowed to run).
step "checking native modules"
check_native() { # <package dir> <module> <js expression run after require>
  (cd "$1" && node -e "const m = require('$2'); $3") ||
    fail "the native module '$2' does not load in $1" \
      "pnpm may have skipped its build: it must be listed under onlyBuiltDependencies in pnpm-workspace.yaml." \
      "Rebuild it with: pnpm rebuild $2"
}
if [ -d packages/backend-sqlitevec/node_modules/better-sqlite3 ]; then
  check_native packages/backend-sqlitevec better-sqlite3 "
    const db = new m(':memory:');
    require('sqlite-vec').load(db);
    const v = db.prepare('select sqlite_version() s, vec_version() v').get();
    console.log('better-sqlite3 ok: sqlite ' + v.s + ', sqlite-vec ' + v.v);
    db.close();"
fi
if [ -d packages/index-hnswlib/node_modules/hnswlib-node ]; then
  check_native packages/index-hnswlib hnswlib-node "
    const i = new m.HierarchicalNSW('l2', 2); i.initIndex(1); i.addPoint([0, 1], 0);
    console.log('hnswlib-node ok');"
fi

# ---- build ------------------------------------------------------------------------------------
step "building (pnpm build)"
t0=$SECONDS
pnpm build || fail "pnpm build failed" "See the TypeScript errors above; 'pnpm -r build' builds each package in turn."
echo "build took $(elapsed "$t0")"

# vecdex's own hnswlib build for this CPU (AVX-512 / AVX kernels, builds on every core): the
# hnswlib plugin uses it when present and falls back to hnswlib-node without it, so a failure
# here is a warning, not an error (packages/index-hnswlib/native/README.md).
step "building the hnswlib plugin's native build for this CPU"
node packages/index-hnswlib/native/build.mjs ||
  echo "setup.sh: warning: the native hnswlib build failed (see above); the hnswlib plugin uses hnswlib-node instead" >&2

printf '\nsetup.sh: OK (%ds)\n' "$SECONDS"
