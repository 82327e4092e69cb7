#!/usr/bin/env node
// Compile vecdex's own hnswlib binding (native/hnsw-native.cc) for this machine's CPU.
//
//   node native/build.mjs [--force] [--quiet]
//   (from an install: node node_modules/@vecdex/index-hnswlib/native/build.mjs)
//
// Optional: without it the plugin uses hnswlib-node as built by its install. With it, the plugin
// loads native/build/hnsw-native.node instead whenever this CPU has every feature the build
// machine had (see native/README.md and src/load-hnswlib.ts).
//
// Needs g++ (C++17) and Node's headers (Debian: /usr/include/node from libnode-dev or nodejs;
// elsewhere <node prefix>/include/node), and hnswlib-node 3.0.0 installed next to this package:
// its hnswlib headers and its node-addon-api are what this compiles against. Writes the addon
// and native/build/build-info.json (compiler, flags, the CPU features it was built with), both
// through a temporary file and a rename; then loads the result in a child process, builds a
// small graph on two threads and checks its answers. Exits 1, saying what is missing, on failure
// (the previous build, if any, is left as it was).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT_DIR = path.join(HERE, 'build');
const ADDON = path.join(OUT_DIR, 'hnsw-native.node');
const INFO = path.join(OUT_DIR, 'build-info.json');
const SOURCE = path.join(HERE, 'hnsw-native.cc');
const FLAGS = [
  '-O3',
  '-march=native',
  '-std=c++17',
  '-fPIC',
  '-shared',
  '-pthread',
  '-fvisibility=hidden',
  '-DNAPI_CPP_EXCEPTIONS',
];

const args = new Set(process.argv.slice(2));
const quiet = args.has('--quiet');
const say = (line) => {
  if (!quiet) console.log(line);
};
const die = (line) => {
  console.error(`hnsw-native: ${line}`);
  process.exit(1);
};

const require = createRequire(path.join(HERE, '..', 'package.json'));
let hnswlibNodeDir;
try {
  hnswlibNodeDir = path.dirname(require.resolve('hnswlib-node/package.json'));
} catch {
  die(
    'hnswlib-node is not installed next to @vecdex/index-hnswlib (its hnswlib headers are compiled in); install the plugin first',
  );
}
const hnswlibNodeVersion = JSON.parse(fs.readFileSync(path.join(hnswlibNodeDir, 'package.json'), 'utf8')).version;
const hnswlibSource = path.join(hnswlibNodeDir, 'src', 'hnswlib');
if (!fs.existsSync(path.join(hnswlibSource, 'hnswalg.h'))) die(`no hnswlib headers in ${hnswlibSource}`);
// Two patches, to a copy (each line must be found exactly once, or the build stops):
// 1. hnswlib's addPoint(data, label, level) draws a random level even when given one, and uses
//    the given one only above 0. Threads inserting at once would share the generator unlocked (a
//    data race that measurably worsened parallel builds: recall@10 0.972 against 0.992 at 200k ×
//    128); with the patch a given level (0 included) is used as is, and addPoints draws every
//    level beforehand, in order, on one thread.
// 2. loadIndex allocates the layer-0 block and reads the file into it at once: the patch calls
//    the addon's vecdexAdviseHugePages between the two, so the block faults in as transparent
//    huge pages (see hnsw-native.cc) instead of 4 KiB pages collapsed later.
const PATCHES = [
  {
    what: 'a single level draw in addPoint',
    from: 'int curlevel = getRandomLevel(mult_);\n        if (level > 0)\n            curlevel = level;',
    to: 'int curlevel = level >= 0 ? level : getRandomLevel(mult_);',
  },
  {
    what: "a single '#pragma once'",
    from: '#pragma once\n',
    to: '#pragma once\n#include <cstddef>\nnamespace hnswlib {\n// vecdex: defined in hnsw-native.cc.\nvoid vecdexAdviseHugePages(void* memory, std::size_t bytes);\n}  // namespace hnswlib\n',
  },
  {
    what: "loadIndex's single allocation of the layer-0 block",
    from: 'data_level0_memory_ = (char *) malloc(max_elements * size_data_per_element_);',
    to: 'data_level0_memory_ = (char *) malloc(max_elements * size_data_per_element_);\n        vecdexAdviseHugePages(data_level0_memory_, max_elements * size_data_per_element_);',
  },
];
const hnswlibHeaders = path.join(OUT_DIR, 'include');
let addonApi;
try {
  addonApi = path.dirname(createRequire(path.join(hnswlibNodeDir, 'package.json')).resolve('node-addon-api/package.json'));
} catch {
  die('node-addon-api (a dependency of hnswlib-node) is not installed');
}
const nodeHeaders = [path.join(path.dirname(path.dirname(process.execPath)), 'include', 'node'), '/usr/include/node'].find(
  (dir) => fs.existsSync(path.join(dir, 'node_api.h')),
);
if (nodeHeaders === undefined) die("Node's headers (node_api.h) were not found; on Debian: apt-get install libnode-dev");
let compiler;
try {
  compiler = execFileSync('g++', ['--version'], { encoding: 'utf8' }).split('\n')[0];
} catch {
  die('g++ is not installed (Debian: apt-get install g++)');
}

// The plugin's own reader of CPU features (the loader checks the same list): from its dist.
let cpuFeatures;
try {
  ({ cpuFeatures } = await import('../dist/cpu-features.js'));
} catch {
  die('the plugin is not built (dist/cpu-features.js is missing): build @vecdex/index-hnswlib first');
}
const features = cpuFeatures();
if (features === null)
  die("cannot read this CPU's features (/proc/cpuinfo): the build is only made where they can be checked at load");
// The addon's source and this script (which patches hnswlib): either changed, build again.
const sourceHash = hashOf(Buffer.concat([fs.readFileSync(SOURCE), fs.readFileSync(fileURLToPath(import.meta.url))]));
if (!args.has('--force') && fs.existsSync(ADDON) && fs.existsSync(INFO)) {
  try {
    const info = JSON.parse(fs.readFileSync(INFO, 'utf8'));
    if (
      info.source === sourceHash &&
      info.hnswlibNode === hnswlibNodeVersion &&
      sameFeatures(info.cpuFeatures, features) &&
      probe()
    ) {
      say(`hnsw-native: ok (already built for this CPU, ${ADDON})`);
      process.exit(0);
    }
  } catch {
    // Rebuild below.
  }
}

fs.mkdirSync(OUT_DIR, { recursive: true });
fs.rmSync(hnswlibHeaders, { recursive: true, force: true });
fs.mkdirSync(path.join(hnswlibHeaders, 'hnswlib'), { recursive: true });
for (const name of fs.readdirSync(hnswlibSource)) {
  if (name.endsWith('.h')) fs.copyFileSync(path.join(hnswlibSource, name), path.join(hnswlibHeaders, 'hnswlib', name));
}
const algFile = path.join(hnswlibHeaders, 'hnswlib', 'hnswalg.h');
let alg = fs.readFileSync(algFile, 'utf8');
for (const patch of PATCHES) {
  if (alg.split(patch.from).length !== 2)
    die(`hnswlib-node ${hnswlibNodeVersion}'s hnswalg.h is not the one this build patches (no ${patch.what})`);
  alg = alg.replace(patch.from, patch.to);
}
fs.writeFileSync(algFile, alg);
const tmp = path.join(OUT_DIR, `hnsw-native.${process.pid}.tmp.node`);
const started = Date.now();
say(`hnsw-native: compiling ${path.relative(process.cwd(), SOURCE)} (g++ ${FLAGS.join(' ')}) ...`);
try {
  execFileSync('g++', [...FLAGS, `-I${nodeHeaders}`, `-I${addonApi}`, `-I${hnswlibHeaders}`, SOURCE, '-o', tmp], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
} catch {
  fs.rmSync(tmp, { force: true });
  die('g++ failed (output above)');
}
if (!probe(tmp)) {
  fs.rmSync(tmp, { force: true });
  die('the compiled addon did not pass its check (output above)');
}
const info = {
  source: sourceHash,
  hnswlibNode: hnswlibNodeVersion,
  compiler,
  flags: FLAGS,
  cpuFeatures: [...features].sort(),
  builtAt: new Date().toISOString(),
};
fs.writeFileSync(`${INFO}.tmp`, `${JSON.stringify(info, null, 2)}\n`);
fs.renameSync(tmp, ADDON);
fs.renameSync(`${INFO}.tmp`, INFO);
say(
  `hnsw-native: built ${ADDON} in ${((Date.now() - started) / 1000).toFixed(1)} s (${features.has('avx512f') ? 'AVX-512' : features.has('avx') ? 'AVX' : 'SSE'} kernels)`,
);

function hashOf(bytes) {
  // FNV-1a over the source: enough to notice an edit; the build is local, not a trust boundary.
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

function sameFeatures(list, set) {
  return Array.isArray(list) && list.length === set.size && list.every((f) => set.has(f));
}

/** Load the addon in a child process: build a graph on two threads, search it, check the answers. */
function probe(file = ADDON) {
  const script = `
    const { HierarchicalNSW } = require(${JSON.stringify(file)});
    const dim = 8, n = 2000, g = new HierarchicalNSW('l2', dim);
    g.initIndex(n, 16, 100, 100, false);
    const data = new Float32Array(n * dim), labels = new Uint32Array(n);
    for (let i = 0; i < n; i++) { labels[i] = i; for (let j = 0; j < dim; j++) { const x = Math.sin(i * 12.9898 + j * 78.233) * 43758.5453; data[i * dim + j] = x - Math.floor(x); } }
    g.addPoints(data, labels, 2).then(() => {
      if (g.getCurrentCount() !== n) throw new Error('count ' + g.getCurrentCount());
      g.setEf(100);
      let found = 0;
      for (let i = 0; i < n; i += 97) if (g.searchKnn(data.subarray(i * dim, (i + 1) * dim), 1).neighbors[0] === i) found++;
      if (found < 20) throw new Error('found itself for ' + found + ' of 21 points');
    }).catch((e) => { console.error(e.message); process.exit(1); });`;
  try {
    execFileSync(process.execPath, ['-e', script], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
}
