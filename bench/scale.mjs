#!/usr/bin/env node
// How vecdex's costs grow with the collection: the same measurements at each size, one table,
// with the growth factor from each size to the next.
//
//   node bench/scale.mjs [--sizes 10k,100k,1m] [--dim 128] [--queries 100] [--ef 64]
//                        [--plugins hnswlib,usearch,faiss] [--no-raw] [--exact-memory-gib N] [--json]
//
// Data: seeded clustered synthetic vectors (bench/lib/clustered.mjs: 1,000 Gaussian centres,
// sigma 0.1), l2, metadata { g: i % 1000 }; queries are further draws of the same distribution.
// sqlite-vec store (the default backend), API in one process per phase. Each phase runs in its
// own child process, so "peak RSS" is that phase's own (process.resourceUsage().maxRSS):
//
//   ingest   collection.upsert in batches of 5,000 (vectors generated per batch): rate, peak RSS,
//            store size after close (main file; the WAL is checkpointed into it).
//   exact    collection.similar(q, { exact: true }): the first query (builds the in-memory copy:
//            its time and its RSS), then per-query latency beside usearch's exactSearch (SIMD, one
//            thread) over the same vectors, the two taking turns (bench/lib/exact-yardstick.mjs);
//            the vec0 scan (exactSearchMemoryBytes: 0) beside the same yardstick, for comparison; filtered exact search with
//            { g: { $lt: m } } at 0.1 / 1 / 10 % selectivity; and the exact top 10 of every query
//            (ground truth for recall).
//   <index>  vx.indexes.create + build (time, peak RSS of the process), then
//            collection.similar(q, { index }) one query at a time at efSearch --ef (a warm-up pass,
//            then the best of three passes, each repeating the queries for at least 0.5 s): QPS
//            and recall@10 against the exact top 10.
//            hnswlib: M 16, efConstruction 100; usearch: connectivity 16, expansionAdd 100, every
//            core; faiss: HNSW16, efConstruction 100.
//   raw      raw hnswlib-node (the yardstick of the index targets; --no-raw skips it): the same
//            vectors generated into memory first (not timed), then HierarchicalNSW('l2') sized up
//            front, addPoint(number[], i) in id order on one thread (its only way), M 16,
//            efConstruction 100, seed 100; queries pre-converted to number[], setEf once:
//            build time, QPS and recall@10 as above. The table gives each plugin's build time
//            and QPS as ratios to it.
//   sync     each index opened first (a search: load and verify its files, timed on its own),
//            then four rounds of: 1 % of the items (other ids each round) upserted with new
//            vectors, vx.indexes.sync per index. The median round's time, the slowest round's
//            and the mean, as shares of that index's build (hnswlib and usearch append a
//            sync's changes as a journal and write the whole index again once replaying the
//            journals would take over 4× the last whole write: the slowest round is such a
//            write, the mean is what syncs cost in the long run); open + sync, what a fresh
//            process (the CLI) pays; and the open after the rounds, which replays the journals.
//
// The store's exactSearchMemoryBytes (the cap on the in-memory copies exact search scans) is
// sqlite-vec's default, 2 GiB, unless --exact-memory-gib sets it; at sizes whose copy would not
// fit (1M × 768 is 2.9 GiB of vectors) it is raised to fit, and the table's footer says so.
//
// Progress goes to stderr; the table (text, then Markdown) to stdout.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openVecdex } from '@vecdex/core';
import { clusteredSource } from './lib/clustered.mjs';
import { exactVsYardstick } from './lib/exact-yardstick.mjs';
import { markdownTable, textTable } from './lib/text-table.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const SEED = 20261202;
const BATCH = 5000;
const SYNC_ROUNDS = 4;
const PLUGINS = {
  hnswlib: { pkg: '@vecdex/index-hnswlib', params: { M: 16, efConstruction: 100, randomSeed: 100 } },
  usearch: { pkg: '@vecdex/index-usearch', params: { connectivity: 16, expansionAdd: 100, threads: 0 } },
  faiss: { pkg: '@vecdex/sidecar-faiss', params: { factory: 'HNSW16', efConstruction: 100 } },
};
const SELECTIVITIES = [0.001, 0.01, 0.1];

const opts = parseArgs(process.argv.slice(2));
const log = (...a) => console.error(...a);

function parseArgs(argv) {
  const o = {
    sizes: [10_000, 100_000, 1_000_000],
    dim: 128,
    queries: 100,
    ef: 64,
    plugins: ['hnswlib', 'usearch', 'faiss'],
    exactMemoryGiB: undefined,
    raw: true,
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--sizes') o.sizes = next().split(',').map(parseSize);
    else if (a === '--dim') o.dim = Number(next());
    else if (a === '--queries') o.queries = Number(next());
    else if (a === '--ef') o.ef = Number(next());
    else if (a === '--plugins') o.plugins = next().split(',').filter(Boolean);
    else if (a === '--no-raw') o.raw = false;
    else if (a === '--exact-memory-gib') o.exactMemoryGiB = Number(next());
    else if (a === '--json') o.json = true;
    else if (a === '--child') o.child = next();
    else if (a === '--dir') o.dir = next();
    else if (a === '--size') o.size = Number(next());
    else {
      console.error(`unknown argument ${a}; see the header of bench/scale.mjs`);
      process.exit(2);
    }
  }
  for (const p of o.plugins) if (!PLUGINS[p]) throw new Error(`unknown plugin ${p} (${Object.keys(PLUGINS).join(', ')})`);
  return o;
}

function parseSize(s) {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(s.trim());
  if (!m) throw new Error(`bad size ${s} (e.g. 10k, 100k, 1m)`);
  return Math.round(Number(m[1]) * { '': 1, k: 1e3, m: 1e6 }[m[2].toLowerCase()]);
}

const sizeLabel = (n) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));
const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const peakRss = () => process.resourceUsage().maxRSS * 1024;
/** Anonymous resident memory of this process (Linux /proc/self/status RssAnon), bytes. */
const rssAnon = () => Number(/RssAnon:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? Number.NaN) * 1024;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---- children: one phase each, result as the last stdout line ----------------------------------

/** The exact-copy cap for `size` vectors of `dim`: --exact-memory-gib, else the default or what fits. */
function exactMemoryBytes(size, dim) {
  if (opts.exactMemoryGiB !== undefined) return Math.round(opts.exactMemoryGiB * 2 ** 30);
  const DEFAULT = 2 * 2 ** 30;
  // 4 bytes per component plus ~80 bytes per item (ids, slots), with a 10 % margin.
  const needed = Math.ceil(size * (4 * dim + 80) * 1.1);
  return Math.max(DEFAULT, needed);
}

async function open(dir, plugins = [], backendOptions = {}) {
  const exactSearchMemoryBytes = exactMemoryBytes(opts.size, opts.dim);
  return openVecdex({
    config: {
      backend: {
        use: '@vecdex/backend-sqlitevec',
        options: { path: path.join(dir, 'store.db'), exactSearchMemoryBytes, ...backendOptions },
      },
      plugins: plugins.map((p) => PLUGINS[p].pkg),
      dataDir: path.join(dir, 'data'),
    },
    cwd: dir,
    env: {},
    resolvePaths: [HERE],
  });
}

function queryVectors(src, n, count) {
  // Draws beyond the base set: the same distribution, not stored.
  return Array.from({ length: count }, (_, j) => src.vectorAt(n * 4 + j));
}

const CHILDREN = {
  async ingest({ dir, size, dim }) {
    const src = clusteredSource({ dim, seed: SEED });
    const vx = await open(dir);
    await vx.collections.create({ name: 'c', dimensions: dim, metric: 'l2' });
    const col = vx.collection('c');
    const t0 = performance.now();
    for (let s = 0; s < size; s += BATCH) {
      const items = [];
      for (let i = s; i < Math.min(size, s + BATCH); i++)
        items.push({ id: String(i), vector: src.vectorAt(i), metadata: { g: i % 1000 } });
      await col.upsert(items);
      if (s % (BATCH * 20) === 0) log(`  ingest ${s + items.length} / ${size}`);
    }
    const seconds = (performance.now() - t0) / 1000;
    await vx.close();
    return {
      rate: size / seconds,
      seconds,
      rss: peakRss(),
      storeBytes: fs.statSync(path.join(dir, 'store.db')).size,
      load: loadavg(),
    };
  },

  async exact({ dir, size, dim, queries }) {
    const src = clusteredSource({ dim, seed: SEED });
    const qs = queryVectors(src, size, queries);
    const vx = await open(dir);
    const col = vx.collection('c');
    const search = (q) => col.similar(q, { k: 10, exact: true, include: {} });
    const rssBefore = process.memoryUsage().rss;
    const anonBefore = rssAnon();
    let t = performance.now();
    await search(qs[0]);
    const copyBuildMs = performance.now() - t;
    const copyRss = process.memoryUsage().rss - rssBefore;
    // RSS also counts the store's pages SQLite reads through its memory map (file-backed,
    // reclaimable): anonymous memory is what the copy itself takes.
    const copyAnon = rssAnon() - anonBefore;
    const copyBytes = vx.backend.exactSearchMemoryBytes;
    log(`  exact: copy built in ${(copyBuildMs / 1000).toFixed(1)} s; ground truth for ${queries} queries`);
    const truth = [];
    for (const q of qs) truth.push((await search(q)).map((h) => h.id));
    fs.writeFileSync(path.join(dir, 'truth.json'), JSON.stringify(truth));
    log('  exact: against usearch exactSearch');
    const base = new Float32Array(size * dim);
    for (let i = 0; i < size; i++) src.vectorAt(i, base.subarray(i * dim, (i + 1) * dim));
    const flat = new Float32Array(queries * dim);
    for (let j = 0; j < queries; j++) flat.set(qs[j], j * dim);
    const load = loadavg();
    const yard = await exactVsYardstick({ base, dim, queries: flat, queryCount: queries, k: 10, search });
    const filtered = {};
    for (const s of SELECTIVITIES) {
      const filter = { g: { $lt: Math.round(1000 * s) } };
      const times = [];
      const n = Math.max(5, Math.min(queries, Math.round(20_000_000 / size)));
      await col.similar(qs[0], { k: 10, exact: true, filter, include: {} });
      for (let j = 0; j < n; j++) {
        t = performance.now();
        const hits = await col.similar(qs[j % queries], { k: 10, exact: true, filter, include: {} });
        times.push(performance.now() - t);
        if (hits.length !== Math.min(10, Math.round(size * s)))
          throw new Error(`filtered exact search returned ${hits.length} hits`);
      }
      filtered[s] = median(times);
      log(`  exact: ${s * 100}% filter ${filtered[s].toFixed(2)} ms`);
    }
    const vx0 = await open(dir, [], { exactSearchMemoryBytes: 0 });
    const col0 = vx0.collection('c');
    const vec0 = await exactVsYardstick({
      base,
      dim,
      queries: flat,
      queryCount: Math.max(5, Math.min(queries, Math.round(2_000_000 / size))),
      k: 10,
      search: (q) => col0.similar(q, { k: 10, exact: true, include: {} }),
      warmup: 1,
    });
    await vx0.close();
    await vx.close();
    return { copyBuildMs, copyRss, copyAnon, copyBytes, yard, filtered, vec0, load };
  },

  async sync({ dir, size, dim, plugins }) {
    const src = clusteredSource({ dim, seed: SEED });
    const vx = await open(dir, plugins);
    const col = vx.collection('c');
    // Open (load and verify) every index first, on its own clock: a running process syncs an
    // index it already holds; a fresh process (the CLI) pays the open once on top.
    const opened = {};
    for (const p of plugins) {
      const t = performance.now();
      await col.similar(src.vectorAt(size * 4), { index: p, k: 10, include: {} });
      opened[p] = (performance.now() - t) / 1000;
      log(`  open ${p}: ${opened[p].toFixed(2)} s`);
    }
    // SYNC_ROUNDS rounds, each 1 % of the items (other ids each round) upserted with new vectors,
    // then every index synced; the median round is reported.
    const changed = Math.round(size / 100);
    const times = Object.fromEntries(plugins.map((p) => [p, []]));
    const out = {};
    for (let round = 0; round < SYNC_ROUNDS; round++) {
      for (let s = 0; s < changed; s += BATCH) {
        const items = [];
        for (let j = s; j < Math.min(changed, s + BATCH); j++) {
          const i = j * 100 + round;
          items.push({ id: String(i), vector: src.vectorAt(size * 8 + round * changed + j), metadata: { g: i % 1000 } });
        }
        await col.upsert(items);
      }
      for (const p of plugins) {
        const t = performance.now();
        const r = await vx.indexes.sync(p);
        times[p].push((performance.now() - t) / 1000);
        out[p] = {
          seconds: median(times[p]),
          slowest: Math.max(...times[p]),
          mean: times[p].reduce((a, b) => a + b, 0) / times[p].length,
          rounds: times[p],
          open: opened[p],
          applied: r.applied,
          rebuilt: r.rebuilt ?? null,
        };
        log(`  sync ${p}: ${times[p].at(-1).toFixed(2)} s (${r.applied} changes)`);
      }
    }
    await vx.close();
    // A fresh open after the rounds: load, verify and replay whatever journals the syncs left.
    const again = await open(dir, plugins);
    for (const p of plugins) {
      const t = performance.now();
      await again.collection('c').similar(src.vectorAt(size * 4), { index: p, k: 10, include: {} });
      out[p].reopen = (performance.now() - t) / 1000;
      log(`  open ${p} after the syncs: ${out[p].reopen.toFixed(2)} s`);
    }
    await again.close();
    return { sync: out, load: loadavg() };
  },
};

/**
 * QPS of `search` one query at a time: a warm-up of at least MIN_PASS_SECONDS, then the best of
 * three timed passes (a shared machine only makes a pass slower), each going over the queries as
 * many whole times as it takes to last MIN_PASS_SECONDS (100 queries at 10k take ~5 ms: too short
 * to time, and too few for the JIT to settle); the answers of the last time over them.
 */
const MIN_PASS_SECONDS = 0.5;
async function timedPasses(qs, search) {
  const pass = async () => {
    let results = [];
    let count = 0;
    const t = performance.now();
    do {
      results = [];
      for (const q of qs) results.push(await search(q));
      count += qs.length;
    } while (performance.now() - t < MIN_PASS_SECONDS * 1000);
    return { qps: count / ((performance.now() - t) / 1000), results };
  };
  await pass();
  let best = { qps: 0, results: [] };
  for (let i = 0; i < 3; i++) {
    const p = await pass();
    if (p.qps > best.qps) best = p;
  }
  return best;
}

async function rawHnswlibChild({ dir, size, dim, queries, ef }) {
  const { default: hnswlib } = await import('hnswlib-node');
  const src = clusteredSource({ dim, seed: SEED });
  const qs = queryVectors(src, size, queries).map((q) => Array.from(q));
  const truth = JSON.parse(fs.readFileSync(path.join(dir, 'truth.json'), 'utf8'));
  const base = new Float32Array(size * dim);
  for (let i = 0; i < size; i++) base.set(src.vectorAt(i), i * dim);
  const index = new hnswlib.HierarchicalNSW('l2', dim);
  const load = loadavg();
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  index.initIndex(size, 16, 100, 100);
  const row = new Array(dim).fill(0.5);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < dim; j++) row[j] = base[i * dim + j];
    index.addPoint(row, i);
    if (i % 200_000 === 0 && i > 0) log(`  raw hnswlib-node: ${i} / ${size}`);
  }
  const buildSeconds = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  log(`  raw hnswlib-node: built in ${buildSeconds.toFixed(1)} s`);
  index.setEf(ef);
  const { qps, results } = await timedPasses(qs, async (q) => index.searchKnn(q, 10).neighbors);
  let hits = 0;
  results.forEach((r, j) => {
    const want = new Set(truth[j]);
    for (const label of r) if (want.has(String(label))) hits++;
  });
  return {
    buildSeconds,
    buildCores: (cpu.user + cpu.system) / 1e6 / buildSeconds,
    buildRss: peakRss(),
    qps,
    recall: hits / (10 * queries),
    load,
  };
}

async function indexChild({ dir, size, dim, queries, ef }, plugin) {
  const src = clusteredSource({ dim, seed: SEED });
  const qs = queryVectors(src, size, queries);
  const truth = JSON.parse(fs.readFileSync(path.join(dir, 'truth.json'), 'utf8'));
  const vx = await open(dir, [plugin]);
  await vx.indexes.create({
    name: plugin,
    plugin: PLUGINS[plugin].pkg === '@vecdex/sidecar-faiss' ? 'faiss' : plugin,
    collections: ['c'],
    params: PLUGINS[plugin].params,
  });
  const load = loadavg();
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  const status = await vx.indexes.build(plugin);
  const buildSeconds = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const buildRss = peakRss();
  log(`  ${plugin}: built in ${buildSeconds.toFixed(1)} s`);
  const params = { efSearch: ef };
  const col = vx.collection('c');
  const search = (q) => col.similar(q, { index: plugin, k: 10, params, include: {} });
  const { qps, results } = await timedPasses(qs, search);
  let hits = 0;
  results.forEach((r, j) => {
    const want = new Set(truth[j]);
    for (const h of r) if (want.has(h.id)) hits++;
  });
  await vx.close();
  return {
    buildSeconds,
    buildCores: (cpu.user + cpu.system) / 1e6 / buildSeconds,
    buildRss,
    qps,
    recall: hits / (10 * queries),
    load,
    binding: status.stats?.binding ?? null,
  };
}

if (opts.child !== undefined) {
  const args = { dir: opts.dir, size: opts.size, dim: opts.dim, queries: opts.queries, ef: opts.ef, plugins: opts.plugins };
  const result = opts.child.startsWith('index:')
    ? await indexChild(args, opts.child.slice(6))
    : opts.child === 'raw-hnswlib'
      ? await rawHnswlibChild(args)
      : await CHILDREN[opts.child](args);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

// ---- parent: run the phases per size, print the table --------------------------------------------

function runChild(phase, dir, size) {
  const args = [
    SELF,
    '--child',
    phase,
    '--dir',
    dir,
    '--size',
    String(size),
    '--dim',
    String(opts.dim),
    '--queries',
    String(opts.queries),
    '--ef',
    String(opts.ef),
    '--plugins',
    opts.plugins.join(','),
    ...(opts.exactMemoryGiB !== undefined ? ['--exact-memory-gib', String(opts.exactMemoryGiB)] : []),
  ];
  const r = spawnSync(process.execPath, ['--max-old-space-size=8192', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`phase ${phase} at ${size} failed (exit ${r.status})`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

const results = [];
for (const size of opts.sizes) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-scale-'));
  try {
    log(`${sizeLabel(size)} × ${opts.dim}: ingest`);
    const ingest = runChild('ingest', dir, size);
    log(`${sizeLabel(size)}: exact search`);
    const exact = runChild('exact', dir, size);
    const indexes = {};
    for (const p of opts.plugins) {
      log(`${sizeLabel(size)}: ${p} build`);
      indexes[p] = runChild(`index:${p}`, dir, size);
    }
    if (opts.raw) log(`${sizeLabel(size)}: raw hnswlib-node build`);
    const raw = opts.raw ? runChild('raw-hnswlib', dir, size) : null;
    const sync = opts.plugins.length > 0 ? runChild('sync', dir, size) : { sync: {} };
    results.push({
      raw,
      size,
      ingest,
      exact,
      indexes,
      sync: sync.sync,
      loads: [ingest.load, exact.load, ...Object.values(indexes).map((x) => x.load), ...(raw === null ? [] : [raw.load])],
    });
    log(`${sizeLabel(size)} done: ${JSON.stringify(results[results.length - 1])}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (opts.json) {
  console.log(JSON.stringify({ dim: opts.dim, queries: opts.queries, ef: opts.ef, results }, null, 2));
  process.exit(0);
}

const MiB = (b) => (b / 2 ** 20).toFixed(0);
const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');
/** [label, value per result, formatter] */
const metrics = [
  ['ingest, vectors/s', (r) => r.ingest.rate, (x) => f(x, 0)],
  ['ingest peak RSS, MiB', (r) => r.ingest.rss, MiB],
  ['store size, MiB', (r) => r.ingest.storeBytes, MiB],
  ['exact: copy build (first query), s', (r) => r.exact.copyBuildMs / 1000, (x) => f(x, 2)],
  ['exact: copy memory, MiB (accounted)', (r) => r.exact.copyBytes, MiB],
  ['exact: RSS growth at the first query, MiB', (r) => r.exact.copyRss, MiB],
  ['exact: of it anonymous (not mapped file pages), MiB', (r) => r.exact.copyAnon, MiB],
  ['exact, ms/query (p50)', (r) => r.exact.yard.vecdex.median, (x) => f(x)],
  ['usearch exactSearch, ms/query (p50)', (r) => r.exact.yard.usearch.median, (x) => f(x)],
  ['exact / usearch (wall, p50)', (r) => r.exact.yard.ratio, (x) => `${f(x)}×`],
  ['exact / usearch (CPU time, mean)', (r) => r.exact.yard.cpuRatio, (x) => `${f(x)}×`],
  ['exact via vec0 scan, ms/query (p50)', (r) => r.exact.vec0.vecdex?.median ?? r.exact.vec0, (x) => f(x)],
  ['vec0 scan / usearch (wall, p50)', (r) => r.exact.vec0.ratio, (x) => `${f(x)}×`],
  ...SELECTIVITIES.map((s) => [`exact, ${s * 100}% filter, ms/query (p50)`, (r) => r.exact.filtered[s], (x) => f(x)]),
  ...(opts.raw
    ? [
        ['raw hnswlib-node: build, s', (r) => r.raw.buildSeconds, (x) => f(x, 1)],
        ['raw hnswlib-node: build peak RSS, MiB', (r) => r.raw.buildRss, MiB],
        [`raw hnswlib-node: QPS (efSearch ${opts.ef})`, (r) => r.raw.qps, (x) => f(x, 0)],
        ['raw hnswlib-node: recall@10', (r) => r.raw.recall, (x) => f(x, 3)],
      ]
    : []),
  ...opts.plugins.flatMap((p) => [
    [`${p}: build, s`, (r) => r.indexes[p].buildSeconds, (x) => f(x, 1)],
    ...(opts.raw
      ? [
          [`${p}: build / raw hnswlib-node's`, (r) => r.indexes[p].buildSeconds / r.raw.buildSeconds, (x) => `${f(x)}×`],
          [`${p}: QPS / raw hnswlib-node's`, (r) => r.indexes[p].qps / r.raw.qps, (x) => `${f(x)}×`],
        ]
      : []),
    [`${p}: build, cores busy`, (r) => r.indexes[p].buildCores, (x) => f(x, 2)],
    [`${p}: build peak RSS, MiB`, (r) => r.indexes[p].buildRss, MiB],
    [`${p}: QPS (efSearch ${opts.ef})`, (r) => r.indexes[p].qps, (x) => f(x, 0)],
    [`${p}: recall@10`, (r) => r.indexes[p].recall, (x) => f(x, 3)],
    [`${p}: sync of 1%, s (median of ${SYNC_ROUNDS})`, (r) => r.sync[p]?.seconds, (x) => f(x, 2)],
    [
      `${p}: sync of 1% / build`,
      (r) => (r.sync[p]?.seconds ?? Number.NaN) / r.indexes[p].buildSeconds,
      (x) => `${f(x * 100, 1)}%`,
    ],
    [
      `${p}: slowest sync / build`,
      (r) => (r.sync[p]?.slowest ?? Number.NaN) / r.indexes[p].buildSeconds,
      (x) => `${f(x * 100, 1)}%`,
    ],
    [`${p}: mean sync / build`, (r) => (r.sync[p]?.mean ?? Number.NaN) / r.indexes[p].buildSeconds, (x) => `${f(x * 100, 1)}%`],
    [`${p}: open in a new process (load, verify), s`, (r) => r.sync[p]?.open, (x) => f(x, 2)],
    [`${p}: open after the syncs (replays journals), s`, (r) => r.sync[p]?.reopen, (x) => f(x, 2)],
    [
      `${p}: open + sync of 1% / build`,
      (r) => ((r.sync[p]?.open ?? Number.NaN) + (r.sync[p]?.seconds ?? Number.NaN)) / r.indexes[p].buildSeconds,
      (x) => `${f(x * 100, 1)}%`,
    ],
  ]),
];
const headers = ['measure'];
results.forEach((r, i) => {
  headers.push(sizeLabel(r.size));
  if (i > 0) headers.push(`${sizeLabel(results[i - 1].size)}→${sizeLabel(r.size)}`);
});
const rows = metrics.map(([label, get, fmt]) => {
  const row = [label];
  results.forEach((r, i) => {
    row.push(fmt(get(r)));
    if (i > 0) {
      const g = get(r) / get(results[i - 1]);
      row.push(Number.isFinite(g) ? `${g.toFixed(2)}×` : '-');
    }
  });
  return row;
});
console.log(textTable(headers, rows));
console.log();
console.log(markdownTable(headers, rows));
console.log();
const raised = results.filter((r) => exactMemoryBytes(r.size, opts.dim) !== 2 * 2 ** 30);
if (raised.length > 0)
  console.log(
    `exactSearchMemoryBytes: ${raised.map((r) => `${sizeLabel(r.size)}: ${(exactMemoryBytes(r.size, opts.dim) / 2 ** 30).toFixed(2)} GiB`).join(', ')} (the default 2 GiB elsewhere)`,
  );
const bindings = [
  ...new Set(
    results.flatMap((r) =>
      Object.entries(r.indexes)
        .filter(([, x]) => x.binding)
        .map(([p, x]) => `${p}: ${x.binding}`),
    ),
  ),
];
if (bindings.length > 0) console.log(`native bindings: ${bindings.join(', ')}`);
console.log(
  `dim ${opts.dim}, ${opts.queries} queries, k 10; load average per size (ingest, exact, builds): ${results.map((r) => `${sizeLabel(r.size)}: ${r.loads.join(' / ')}`).join('; ')}`,
);
