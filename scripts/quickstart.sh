#!/usr/bin/env bash
# The main job: install and build vecdex, then run the quickstart on the embedded default
# backend (SQLite + sqlite-vec, no server): through the TypeScript API first, then the CLI, then
# the text loop (embed a few notes with the offline hashing provider, ask them a question).
#
#   bash scripts/quickstart.sh
#
# Uses the real SIFT vectors of ../shared/datasets/ngt-sift5k when present (VECDEX_DATASETS
# names another datasets directory); otherwise the API part uses seeded random vectors and the
# CLI part writes its own small .fvecs file. Everything it writes goes to a temporary directory.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh

printf '\n==> quickstart through the API (node examples/quickstart/quickstart.mjs)\n\n'
node examples/quickstart/quickstart.mjs

printf '\n==> quickstart through the CLI (vecdex init / collections create / import / similar)\n'
VECDEX_BIN="$ROOT/packages/cli/bin/vecdex.js"
if [ ! -f "$VECDEX_BIN" ]; then
  echo "quickstart.sh: FAILED: $VECDEX_BIN is missing (did the build of packages/cli fail?)" >&2
  exit 1
fi
vecdex() {
  printf '\n$ vecdex %s\n' "$*"
  node "$VECDEX_BIN" "$@"
}

work="$(mktemp -d "${TMPDIR:-/tmp}/vecdex-cli-quickstart-XXXXXX")"
trap 'rm -rf "$work"' EXIT

data=""
for d in "${VECDEX_DATASETS:-}" "$ROOT/../shared/datasets" /work/shared/datasets; do
  if [ -n "$d" ] && [ -f "$d/ngt-sift5k/base.fvecs" ]; then data="$d/ngt-sift5k/base.fvecs"; break; fi
done
if [ -z "$data" ]; then
  data="$work/random.fvecs"
  echo "(ngt-sift5k not found: writing 2,000 seeded random 128-d vectors to $data)"
  node -e '
    const fs = require("node:fs");
    let a = 42;
    const rand = () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
    const n = 2000, dim = 128, buf = Buffer.alloc(n * (4 + 4 * dim));
    for (let i = 0, o = 0; i < n; i++) { buf.writeInt32LE(dim, o); o += 4; for (let j = 0; j < dim; j++, o += 4) buf.writeFloatLE(Math.floor(rand() * 256), o); }
    fs.writeFileSync(process.argv[1], buf);
  ' "$data"
fi

cd "$work"
vecdex init
cat vecdex.config.json
vecdex collections create sift --dimensions 128 --metric l2
vecdex import sift "$data"
vecdex collections info sift
vecdex similar sift --id 0 -k 5
vecdex similar sift --id 0 -k 3 --json
vecdex get sift 42
vecdex delete sift 0
vecdex collections list

printf '\n==> the text loop: embed notes with the offline hashing provider, then ask them\n'
mkdir -p notes
printf 'Rotate the API keys every ninety days with the vault command line tool.\n' > notes/keys.md
printf 'The wool coat hangs in the hall closet next to the umbrellas.\n' > notes/coat.md
printf 'Buy oat milk, rye bread and apples at the market on Saturday.\n' > notes/shopping.md
printf 'Deploy the server by tagging a release; the pipeline builds and ships it.\n' > notes/deploy.md
vecdex embed-multi notes --files "notes/*.md" --store
vecdex similar notes "how do I rotate the keys?" -k 3 --explain
vecdex search notes "wool coat" -k 3
top="$(node "$VECDEX_BIN" similar notes "how do I rotate the keys?" -k 1 --json)"
case "$top" in
  *'"notes/keys.md"'*) ;;
  *) echo "quickstart.sh: FAILED: the question about keys did not find notes/keys.md: $top" >&2; exit 1 ;;
esac
vecdex cache stats

printf '\nquickstart.sh: OK (API, CLI and the text loop)\n'
