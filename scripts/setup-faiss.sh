#!/usr/bin/env bash
# Make faiss-node (the binding @vecdex/sidecar-faiss uses) loadable on this machine.
#
#   bash scripts/setup-faiss.sh        # idempotent: does nothing when require('faiss-node') works
#
# faiss-node 0.5.1's install script downloads a prebuilt binary from GitHub, then falls back to a
# git clone of FAISS; neither works without general internet, so pnpm does not run it (it is not
# in onlyBuiltDependencies). Instead this script:
#   1. installs Debian's FAISS 1.7.3 (libfaiss-dev, a static libfaiss.a) and OpenBLAS with apt;
#   2. copies faiss-node's own src/faiss.cc to a scratch directory and patches the copy for FAISS
#      1.7.3, which names the id type faiss::Index::idx_t (1.7.4, faiss-node's target, has faiss::idx_t);
#   3. compiles it with g++ against libfaiss.a into <faiss-node>/build/Release/faiss-node.node,
#      where faiss-node's loader (the `bindings` package) looks first.
# The addon is built with node-addon-api 8 and NODE_ADDON_API_CPP_EXCEPTIONS_ALL, so a FAISS
# exception becomes a JavaScript error instead of aborting the process.
# On success it prints `faiss-node: ok (...)`; on failure it says what is missing and exits 1.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG_DIR="$ROOT/packages/sidecar-faiss"
cd "$PKG_DIR"

probe() {
  node -e "const f=require('faiss-node'); const i=new f.IndexFlatL2(2); i.add([1,2]); if (i.ntotal()!==1) process.exit(1)" 2>/dev/null
}

if [ ! -d node_modules/faiss-node ]; then
  echo "setup-faiss.sh: packages/sidecar-faiss/node_modules/faiss-node is missing; run pnpm install first" >&2
  exit 1
fi
if probe; then
  echo "faiss-node: ok (already loadable)"
  exit 0
fi

FAISS_NODE="$(cd node_modules/faiss-node && pwd -P)"
ADDON_API="$(cd node_modules/node-addon-api && pwd -P)"
LIBFAISS=/usr/lib/x86_64-linux-gnu/libfaiss.a

need_apt=()
[ -f "$LIBFAISS" ] && [ -f /usr/include/faiss/index_factory.h ] || need_apt+=(libfaiss-dev)
[ -e /usr/lib/x86_64-linux-gnu/libopenblas.so ] || need_apt+=(libopenblas-dev)
command -v g++ >/dev/null || need_apt+=(g++)
[ -f /usr/include/node/node_api.h ] || need_apt+=(libnode-dev)
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "setup-faiss.sh: installing ${need_apt[*]} with apt-get"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  if ! { $SUDO apt-get install -y --no-install-recommends "${need_apt[@]}" >/dev/null \
      || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y --no-install-recommends "${need_apt[@]}" >/dev/null; }; }; then
    echo "setup-faiss.sh: could not install ${need_apt[*]} (Debian/Ubuntu: apt-get install libfaiss-dev libopenblas-dev g++)" >&2
    exit 1
  fi
fi

# Node's headers: Debian's nodejs ships them in /usr/include/node; a Node from elsewhere has them
# next to its binary.
NODE_INC=/usr/include/node
if [ ! -f "$NODE_INC/node_api.h" ]; then
  NODE_INC="$(dirname "$(dirname "$(command -v node)")")/include/node"
fi
if [ ! -f "$NODE_INC/node_api.h" ]; then
  echo "setup-faiss.sh: Node's C headers (node_api.h) not found in /usr/include/node or next to node" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$FAISS_NODE/src/faiss.cc" "$work/faiss.cc"
if [ -f /usr/include/faiss/MetricType.h ] && ! grep -q 'using idx_t' /usr/include/faiss/MetricType.h; then
  # FAISS < 1.7.4: idx_t lives in faiss::Index.
  sed -i 's/faiss::idx_t/faiss::Index::idx_t/g' "$work/faiss.cc"
fi

mkdir -p "$FAISS_NODE/build/Release"
echo "setup-faiss.sh: compiling faiss-node against $LIBFAISS"
g++ -std=c++17 -O2 -shared -fPIC -fopenmp \
  -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_CPP_EXCEPTIONS_ALL \
  -I"$NODE_INC" -I"$ADDON_API" \
  "$work/faiss.cc" -o "$work/faiss-node.node" \
  "$LIBFAISS" -lopenblas -llapack
mv "$work/faiss-node.node" "$FAISS_NODE/build/Release/faiss-node.node"

if probe; then
  echo "faiss-node: ok (built from source against Debian's libfaiss)"
else
  echo "setup-faiss.sh: faiss-node was compiled but still does not load:" >&2
  node -e "require('faiss-node')" >&2 || true
  exit 1
fi
