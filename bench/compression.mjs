#!/usr/bin/env node
// Compressed indexes (issue 15) against full-precision exact search, in one run:
//
//   node bench/compression.mjs [--only cohere,fmnist,speed,read] [--read-base 20000] [--cohere DIR] [--fmnist-queries 500] [--speed-base 1000000]
//        [--speed-dims 768] [--speed-queries 20] [--k 10] [--json]
//
// 1. cohere: ../shared/datasets/cohere-wiki-1k (900 real 768-d Cohere text embeddings, cosine, 100
//    held-out queries; see its README). sqlite-vec store; truth = vecdex's exact search (float32),
//    cross-checked against the dataset's own ground truth.
// 2. fmnist: Fashion-MNIST (60,000 × 784, l2, the first --fmnist-queries t10k vectors as queries);
//    truth = usearch exactSearch in float32 over the raw arrays.
//    Per configuration: build time, recall@k against the truth, QPS one query at a time through
//    vx.indexes.search (rescoring included: it reads the candidates' vectors from the store), the
//    compact copy's bytes per vector and its ratio to float32's, and the index files' size.
// 3. speed: the exact path at --speed-base × --speed-dims (seeded clustered synthetic data), through
//    the usearch plugin's flat kind directly (no store: 1M × 768 float32 is 3 GB already): float32
//    rows scanned by usearch's SIMD exactSearch against binary codes scanned by Hamming distance,
//    plus the binary scan followed by rescoring k × 10 candidates from a float32 copy in RAM (what
//    the store read costs is in the cohere table). Raw usearch exactSearch over the same float32
//    array is the yardstick for the float32 path.
//
// 4. read: the rescoring read alone, side by side on the same ids (k × oversample = 40 and 100
//    random ids a call, interleaved): `backend.get(ids, { vectors: true })` (what rescoring did
//    before) against `backend.getVectors(ids)`, on sqlite-vec (its SQL path in a store opened with
//    exactSearchMemoryBytes 0, and from exact search's in-memory copy) at --read-base × 768, and on
//    pgvector when VECDEX_TEST_PG_URL is set. Not in the default run (--only read).
//
// The machine is shared: the load average is printed with every table; ratios measured side by
// side in one run are what count.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { distance, openVecdex } from '@vecdex/core';
import usearchPlugin from '@vecdex/index-usearch';
import usearch from 'usearch';
import { DIMENSIONS as FMNIST_DIMS, ensureFashionMnist, loadFashionMnist } from './lib/fashion-mnist.mjs';
import { readFvecs, readIvecs } from './lib/fvecs.mjs';
import { markdownTable, qpsText, textTable } from './lib/text-table.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** `../shared/datasets/cohere-wiki-1k` beside the checkout (or a worktree's parent's), or --cohere DIR. */
const COHERE_CANDIDATES = ['../../shared/datasets/cohere-wiki-1k', '../../../shared/datasets/cohere-wiki-1k'].map((p) =>
  path.resolve(HERE, p),
);
const log = (...a) => console.error(...a);
const now = () => performance.now();
const opts = parseArgs(process.argv.slice(2));
const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** The configurations compared on each dataset: [label, plugin, create options]. */
const COSINE_CONFIGS = [
  ['usearch hnsw float32', 'usearch', {}],
  ['usearch hnsw float16 + rescore', 'usearch', { precision: 'float16' }],
  ['usearch hnsw int8 + rescore', 'usearch', { precision: 'int8' }],
  ['usearch hnsw int8, no rescore', 'usearch', { precision: 'int8', rescore: false }],
  ['usearch flat int8 + rescore', 'usearch', { params: { kind: 'flat' }, precision: 'int8' }],
  ['usearch hnsw binary + rescore ×10', 'usearch', { precision: 'binary', rescore: { oversample: 10 } }],
  [
    'usearch flat binary + rescore ×10',
    'usearch',
    { params: { kind: 'flat' }, precision: 'binary', rescore: { oversample: 10 } },
  ],
  ['usearch flat binary + rescore ×4', 'usearch', { params: { kind: 'flat' }, precision: 'binary', rescore: { oversample: 4 } }],
  ['usearch flat binary, no rescore', 'usearch', { params: { kind: 'flat' }, precision: 'binary', rescore: false }],
  ['truncate 768→256 + rescore', 'usearch', { params: { kind: 'flat' }, reduce: { method: 'truncate', dimensions: 256 } }],
  [
    'truncate 768→256, no rescore',
    'usearch',
    { params: { kind: 'flat' }, reduce: { method: 'truncate', dimensions: 256 }, rescore: false },
  ],
  ['PCA 768→128 + rescore', 'usearch', { params: { kind: 'flat' }, reduce: { method: 'pca', dimensions: 128 } }],
  [
    'PCA 768→128, no rescore',
    'usearch',
    { params: { kind: 'flat' }, reduce: { method: 'pca', dimensions: 128 }, rescore: false },
  ],
  ['faiss SQ8 (int8) + rescore', 'faiss', { precision: 'int8' }],
];
const L2_CONFIGS = [
  ['usearch flat float32', 'usearch', { params: { kind: 'flat' } }],
  ['usearch flat int8 + rescore', 'usearch', { params: { kind: 'flat' }, precision: 'int8' }],
  ['usearch flat int8, no rescore', 'usearch', { params: { kind: 'flat' }, precision: 'int8', rescore: false }],
  ['usearch hnsw float16 + rescore', 'usearch', { precision: 'float16' }],
  ['faiss SQ8 (int8) + rescore', 'faiss', { precision: 'int8' }],
];

async function openStore() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-compression-'));
  const vx = await openVecdex({
    config: {
      backend: { use: '@vecdex/backend-sqlitevec', options: { path: path.join(tmp, 'vecdex.db') } },
      plugins: ['@vecdex/index-usearch', '@vecdex/sidecar-faiss'],
      dataDir: path.join(tmp, 'data'),
    },
    cwd: tmp,
    env: {},
    resolvePaths: [HERE],
  });
  return { vx, tmp };
}

/** Ingest, then every configuration: build, search each query, recall against `truth` (ids per query). */
async function compareConfigs({ name, base, queries, dims, metric, configs, truth }) {
  const { vx, tmp } = await openStore();
  const n = base.length / dims;
  const qn = queries.length / dims;
  await vx.collections.create({ name: 'c', dimensions: dims, metric });
  const coll = vx.collection('c');
  let t = now();
  for (let i = 0; i < n; i += 2000) {
    const items = [];
    for (let j = i; j < Math.min(n, i + 2000); j++)
      items.push({ id: String(j), vector: base.subarray(j * dims, (j + 1) * dims) });
    await coll.upsert(items);
  }
  log(`${name}: ${n} vectors ingested in ${((now() - t) / 1000).toFixed(1)} s`);
  const q = (i) => queries.subarray(i * dims, (i + 1) * dims);
  // Full-precision exact search through vecdex: the baseline row, and the truth when none is given.
  const exactIds = [];
  t = now();
  for (let i = 0; i < qn; i++)
    exactIds.push((await coll.similar(q(i), { k: opts.k, exact: true, include: {} })).map((h) => h.id));
  const exactSeconds = (now() - t) / 1000;
  truth ??= exactIds;
  const recallOf = (lists) => {
    let hit = 0;
    lists.forEach((ids, i) => {
      const tset = new Set(truth[i].slice(0, opts.k).map(String));
      for (const id of ids) if (tset.has(String(id))) hit++;
    });
    return hit / (qn * opts.k);
  };
  const rows = [
    {
      config: 'exact search (store, float32)',
      build: 0,
      recall: recallOf(exactIds),
      qps: qn / exactSeconds,
      bytesPerVector: dims * 4,
      ratio: 1,
      fileBytes: null,
    },
  ];
  for (const [label, plugin, options] of configs) {
    const index = `ix${rows.length}`;
    try {
      await vx.indexes.create({ name: index, plugin, collections: ['c'], ...options });
      t = now();
      await vx.indexes.build(index);
      const build = (now() - t) / 1000;
      const ef = { efSearch: 128 };
      const params = plugin === 'usearch' && options.params?.kind !== 'flat' ? ef : undefined;
      for (let i = 0; i < Math.min(qn, 20); i++) await vx.indexes.search(index, q(i), { k: opts.k, params }); // warm-up
      const lists = [];
      t = now();
      for (let i = 0; i < qn; i++)
        lists.push((await vx.indexes.search(index, q(i), { k: opts.k, params })).hits.map((h) => h.id));
      const seconds = (now() - t) / 1000;
      const status = await vx.indexes.status(index);
      const s = status.stats ?? {};
      const bytesPerVector = s.compactBytesPerVector ?? s.bytesPerRow ?? (status.bytesOnDisk ?? 0) / n;
      rows.push({
        config: label,
        build,
        recall: recallOf(lists),
        qps: qn / seconds,
        bytesPerVector,
        ratio: bytesPerVector / (dims * 4),
        fileBytes: status.bytesOnDisk,
        note:
          s.pcaExplainedVariance !== undefined ? `PCA keeps ${(s.pcaExplainedVariance * 100).toFixed(1)}% of the variance` : '',
      });
      log(`${name}: ${label}: recall ${rows.at(-1).recall.toFixed(3)}, ${qpsText(rows.at(-1).qps)} QPS`);
    } catch (e) {
      rows.push({ config: label, error: e.message.split('\n')[0] });
      log(`${name}: ${label}: ${e.message}`);
    }
  }
  await vx.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  return { name, n, queries: qn, dims, metric, k: opts.k, load: loadavg(), rows };
}

function printTable(result) {
  const headers = ['configuration', `recall@${result.k}`, 'QPS', 'bytes/vector', '× float32', 'index files', 'build s'];
  const cells = result.rows.map((r) =>
    r.error !== undefined
      ? [r.config, 'error', r.error]
      : [
          r.config + (r.note ? ` (${r.note})` : ''),
          r.recall.toFixed(3),
          qpsText(r.qps),
          r.bytesPerVector.toFixed(0),
          r.ratio.toFixed(3),
          r.fileBytes === null || r.fileBytes === undefined ? '-' : `${(r.fileBytes / 1e6).toFixed(2)} MB`,
          r.build.toFixed(2),
        ],
  );
  const title = `${result.name}: ${result.n} × ${result.dims} ${result.metric}, ${result.queries} queries, k=${result.k} (load ${result.load})`;
  console.log(`\n${title}\n${textTable(headers, cells)}`);
  if (opts.markdown) console.log(`\n${markdownTable(headers, cells)}`);
}

async function cohere() {
  const COHERE = opts.cohere ?? COHERE_CANDIDATES.find((d) => fs.existsSync(path.join(d, 'base.fvecs')));
  if (COHERE === undefined) throw new Error(`cohere-wiki-1k not found in ${COHERE_CANDIDATES.join(' or ')}; pass --cohere DIR`);
  const base = readFvecs(path.join(COHERE, 'base.fvecs'));
  const queries = readFvecs(path.join(COHERE, 'query.fvecs'));
  const gt = readIvecs(path.join(COHERE, 'groundtruth.ivecs'));
  const truth = [];
  for (let i = 0; i < gt.n; i++) truth.push(Array.from(gt.data.subarray(i * gt.dims, i * gt.dims + opts.k)));
  return compareConfigs({
    name: 'cohere-wiki-1k',
    base: base.data,
    queries: queries.data,
    dims: base.dims,
    metric: 'cosine',
    configs: COSINE_CONFIGS,
    truth,
  });
}

async function fmnist() {
  ensureFashionMnist(undefined, log);
  const d = loadFashionMnist({ base: 60_000, queries: opts.fmnistQueries });
  const m = usearch.exactSearch(d.base, d.queries, FMNIST_DIMS, opts.k, 'l2sq', 0);
  const truth = [];
  for (let i = 0; i < opts.fmnistQueries; i++) truth.push(Array.from(m.keys.subarray(i * opts.k, (i + 1) * opts.k), Number));
  return compareConfigs({
    name: 'fashion-mnist',
    base: d.base,
    queries: d.queries,
    dims: FMNIST_DIMS,
    metric: 'l2',
    configs: L2_CONFIGS,
    truth,
  });
}

/** Seeded clustered vectors, generated batch by batch (the same stream for every build). */
function* clustered(n, dims, seed, batch = 5000) {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const centres = new Float32Array(1000 * dims).map(() => gauss());
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i);
    const data = new Float32Array(m * dims);
    for (let r = 0; r < m; r++) {
      const c = Math.floor(rand() * 1000) * dims;
      for (let d = 0; d < dims; d++) data[r * dims + d] = centres[c + d] + 0.5 * gauss();
    }
    yield { start: i, data };
  }
}

async function speed() {
  const { speedBase: n, speedDims: dims, speedQueries: qn, k } = opts;
  const queries = [...clustered(qn, dims, 77, qn)][0].data;
  const q = (i) => queries.subarray(i * dims, (i + 1) * dims);
  const full = new Float32Array(n * dims); // the raw yardstick's array (and the rescoring's float32 copy)
  const open = async (precision) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-flat-'));
    const definition = {
      name: `flat-${precision}`,
      plugin: 'usearch',
      collections: ['s'],
      params: { kind: 'flat' },
      createdAt: 0,
    };
    const index = await usearchPlugin.open({
      definition,
      dimensions: dims,
      metric: 'cosine',
      directory: dir,
      backend: null,
      precision,
    });
    return { index, dir };
  };
  for (const { start, data } of clustered(n, dims, 5)) full.set(data, start * dims);
  const source = async function* () {
    for (let start = 0; start < n; start += 5000) {
      const m = Math.min(5000, n - start);
      const batch = new Array(m);
      for (let r = 0; r < m; r++) {
        const at = (start + r) * dims;
        batch[r] = { collection: 's', id: String(start + r), vector: full.subarray(at, at + dims) };
      }
      yield batch;
    }
  };
  const rows = [];
  const paths = [];
  const time = (label, f, extra = {}) => paths.push({ label, f, extra, ms: 0 });
  let t = now();
  const b1 = await open('binary');
  await b1.index.build(source(), { expectedCount: n });
  const b1Build = (now() - t) / 1000;
  t = now();
  const f32 = await open('float32');
  await f32.index.build(source(), { expectedCount: n });
  const f32Build = (now() - t) / 1000;
  const bytes = (ix) => ix.index.stats().memoryBytes;
  time('raw usearch exactSearch, float32 (cos, 1 thread)', (i) => usearch.exactSearch(full, q(i), dims, k, 'cos', 1), {
    bytes: full.byteLength,
  });
  time('flat float32 (usearch exactSearch)', (i) => f32.index.search(q(i), { k }), { bytes: bytes(f32), build: f32Build });
  time('flat binary (Hamming scan)', (i) => b1.index.search(q(i), { k }), { bytes: bytes(b1), build: b1Build });
  time(
    'flat binary + rescore k×10 from float32 in RAM',
    async (i) => {
      const hits = await b1.index.search(q(i), { k: k * 10 });
      return hits
        .map((h) => ({ id: h.id, d: distance('cosine', q(i), full.subarray(Number(h.id) * dims, (Number(h.id) + 1) * dims)) }))
        .sort((a, b) => a.d - b.d)
        .slice(0, k);
    },
    { bytes: bytes(b1) },
  );
  // Interleaved: each query runs on every path in turn, so a change of the machine's load hits
  // all of them alike; the first query of each is a warm-up.
  for (const p of paths) await p.f(0);
  for (let i = 0; i < qn; i++) {
    for (const p of paths) {
      const t0 = now();
      await p.f(i);
      p.ms += now() - t0;
    }
  }
  for (const p of paths) {
    const ms = p.ms / qn;
    rows.push({ label: p.label, ms, qps: 1000 / ms, ...p.extra });
    log(`speed: ${p.label}: ${ms.toFixed(1)} ms/query`);
  }
  const reference = rows.find((r) => r.label.startsWith('flat float32'));
  console.log(`\nspeed: exact path, ${n} × ${dims} synthetic clustered cosine, ${qn} queries, k=${k} (load ${loadavg()})`);
  console.log(
    textTable(
      ['path', 'ms/query', 'QPS', '× flat float32 QPS', 'memory', '× float32 memory', 'build s'],
      rows.map((r) => [
        r.label,
        r.ms.toFixed(1),
        qpsText(r.qps),
        (r.qps / reference.qps).toFixed(2),
        `${(r.bytes / 1e6).toFixed(0)} MB`,
        (r.bytes / reference.bytes).toFixed(4),
        r.build === undefined ? '-' : r.build.toFixed(1),
      ]),
    ),
  );
  for (const ix of [b1, f32]) {
    await ix.index.close();
    fs.rmSync(ix.dir, { recursive: true, force: true });
  }
  return { n, dims, queries: qn, load: loadavg(), rows };
}

/** The rescoring read: get against getVectors on the same ids (see the header, part 4). */
async function readPart() {
  const n = opts.readBase;
  const dims = 768;
  const rng = mulberry(7);
  const base = Float32Array.from({ length: n * dims }, () => rng() - 0.5);
  const stores = [];
  const ingest = async (label, vx) => {
    await vx.collections.create({ name: 'c', dimensions: dims, metric: 'cosine' });
    for (let i = 0; i < n; i += 2000) {
      const items = [];
      for (let j = i; j < Math.min(n, i + 2000); j++)
        items.push({ id: String(j), vector: base.subarray(j * dims, (j + 1) * dims), content: 'x'.repeat(200), metadata: { j } });
      await vx.collection('c').upsert(items);
    }
    stores.push({ label, vx });
    log(`read: ${label}: ${n} vectors ingested`);
  };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-compression-read-'));
  const sqlite = (file, options) =>
    openVecdex({
      config: {
        backend: { use: '@vecdex/backend-sqlitevec', options: { path: path.join(tmp, file), ...options } },
        dataDir: tmp,
      },
      cwd: tmp,
      env: {},
      resolvePaths: [HERE],
    });
  await ingest('sqlite-vec, SQL (no in-memory copy)', await sqlite('sql.db', { exactSearchMemoryBytes: 0 }));
  const withCopy = await sqlite('copy.db', {});
  await ingest('sqlite-vec, in-memory copy', withCopy);
  await withCopy.collection('c').similar(base.subarray(0, dims), { k: 10, exact: true }); // builds the copy
  const pgUrl = process.env.VECDEX_TEST_PG_URL?.trim();
  const schema = `compression_read_${process.pid}`;
  if (pgUrl) {
    const pvx = await openVecdex({
      config: { backend: { use: '@vecdex/backend-pgvector', options: { connectionString: pgUrl, schema } }, dataDir: tmp },
      cwd: tmp,
      env: {},
      resolvePaths: [HERE],
    });
    await ingest('pgvector', pvx);
  }
  const rows = [];
  for (const m of [40, 100]) {
    const calls = [];
    for (let r = 0; r < 200; r++) calls.push(Array.from({ length: m }, () => String(Math.floor(rng() * n))));
    for (const { label, vx } of stores) {
      const b = vx.backend;
      const paths = [
        { how: 'get (vectors: true)', f: (ids) => b.get('c', ids, { vectors: true }), ms: 0 },
        { how: 'getVectors', f: (ids) => b.getVectors('c', ids), ms: 0 },
      ];
      for (const p of paths) for (let r = 0; r < 10; r++) await p.f(calls[r]); // warm-up
      for (const ids of calls) {
        for (const p of paths) {
          const t0 = now();
          await p.f(ids);
          p.ms += now() - t0;
        }
      }
      const [get, vectors] = paths.map((p) => (p.ms / calls.length) * 1000);
      rows.push([label, String(m), get.toFixed(0), vectors.toFixed(0), (get / vectors).toFixed(1)]);
      log(`read: ${label}, ${m} ids: get ${get.toFixed(0)} µs, getVectors ${vectors.toFixed(0)} µs`);
    }
  }
  const headers = ['store', 'ids a call', 'get µs', 'getVectors µs', 'get / getVectors'];
  const title = `read: the rescoring read, ${n} × ${dims} cosine (200-byte content, metadata), 200 calls a row (load ${loadavg()})`;
  console.log(`\n${title}\n${textTable(headers, rows)}`);
  if (opts.markdown) console.log(`\n${markdownTable(headers, rows)}`);
  for (const { label, vx } of stores) {
    if (label === 'pgvector') await vx.backend.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await vx.close();
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  return { n, dims, load: loadavg(), rows };
}

/** A seeded uniform [0, 1) generator. */
function mulberry(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function main() {
  const out = {};
  console.log(`compression bench, ${os.cpus().length} cores, load ${loadavg()}`);
  if (opts.only.includes('cohere')) {
    out.cohere = await cohere();
    printTable(out.cohere);
  }
  if (opts.only.includes('fmnist')) {
    out.fmnist = await fmnist();
    printTable(out.fmnist);
  }
  if (opts.only.includes('speed')) out.speed = await speed();
  if (opts.only.includes('read')) out.read = await readPart();
  if (opts.json) fs.writeFileSync(opts.json, JSON.stringify(out, null, 2));
}

function parseArgs(argv) {
  const o = {
    only: ['cohere', 'fmnist', 'speed'],
    fmnistQueries: 500,
    speedBase: 1_000_000,
    speedDims: 768,
    speedQueries: 20,
    readBase: 20_000,
    k: 10,
    json: null,
    markdown: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--only') o.only = v().split(',');
    else if (a === '--fmnist-queries') o.fmnistQueries = Number(v());
    else if (a === '--speed-base') o.speedBase = Number(v());
    else if (a === '--speed-dims') o.speedDims = Number(v());
    else if (a === '--speed-queries') o.speedQueries = Number(v());
    else if (a === '--read-base') o.readBase = Number(v());
    else if (a === '--k') o.k = Number(v());
    else if (a === '--cohere') o.cohere = v();
    else if (a === '--json') o.json = v();
    else if (a === '--markdown') o.markdown = true;
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

await main();
