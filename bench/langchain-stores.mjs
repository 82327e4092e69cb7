#!/usr/bin/env node
// @vecdex/langchain against LangChain's own vector stores, through LangChain's VectorStore API,
// on the same data in one run: similaritySearch(queryText, k) QPS and recall@k.
//
//   node bench/langchain-stores.mjs [--base 10000] [--queries 200] [--k 10] [--repeats 3] [--json]
//
// Data: Fashion-MNIST (Debian's dataset-fashion-mnist; installed when missing and run as root):
// the first `base` train images as documents, the first `queries` t10k images as queries, 784-d,
// compared by cosine (what MemoryVectorStore knows). Every store gets the same LangChain
// `Embeddings`: a table lookup from the text ("doc 17", "query 3") to its image vector, so no
// time goes into embedding and every store sees identical vectors.
//
// Stores (each filled with addDocuments / addVectors, then queried with similaritySearch):
//   MemoryVectorStore            @langchain/classic: exact, a JS loop over every vector per query
//   HNSWLib (default ef)         @langchain/community over hnswlib-node (M 16, efConstruction 200;
//                                hnswlib's default ef 10, so max(ef, k) = k candidates)
//   HNSWLib (ef 64)              the same graph with setEf(64), vecdex's hnswlib default
//   vecdex sqlite-vec exact      VecdexVectorStore on @vecdex/backend-sqlitevec, exact (vec0 scan)
//   vecdex sqlite-vec + hnswlib  the same collection with an @vecdex/index-hnswlib index (M 16,
//                                efConstruction 200, efSearch 64; and per query efSearch 10, as
//                                HNSWLib's default); its fill time is the index build alone
//   PGVector / vecdex pgvector   only with VECDEX_TEST_PG_URL: @langchain/community's PGVectorStore
//                                (its table, no ANN index: exact) vs VecdexVectorStore on
//                                @vecdex/backend-pgvector (exact)
//
// Recall@k is against exact cosine search in double precision (this script, brute force). QPS:
// queries run one at a time; stores take turns in chunks of 50 queries (order rotating) so load
// from other processes hits them alike; the best of `repeats` passes counts. Build times are one
// fill each. The load average is printed with the table (the machine is shared).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MemoryVectorStore } from '@langchain/classic/vectorstores/memory';
import { HNSWLib } from '@langchain/community/vectorstores/hnswlib';
import { Document } from '@langchain/core/documents';
import { Embeddings } from '@langchain/core/embeddings';
import pgvector from '@vecdex/backend-pgvector';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { openVecdex } from '@vecdex/core';
import hnswlib from '@vecdex/index-hnswlib';
import { VecdexVectorStore } from '@vecdex/langchain';
import { ensureFashionMnist, loadFashionMnist, row } from './lib/fashion-mnist.mjs';
import { markdownTable, qpsText, textTable } from './lib/text-table.mjs';

const { values: flags } = parseArgs({
  options: {
    base: { type: 'string', default: '10000' },
    queries: { type: 'string', default: '200' },
    k: { type: 'string', default: '10' },
    repeats: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});
const BASE = Number(flags.base);
const QUERIES = Number(flags.queries);
const K = Number(flags.k);
const REPEATS = Number(flags.repeats);
const CHUNK = 50;
const PG_URL = process.env.VECDEX_TEST_PG_URL?.trim() || undefined;
const tty = process.stderr.isTTY && !flags.json;
const log = (m) => {
  if (tty) process.stderr.write(`${m}\n`);
};

ensureFashionMnist(undefined, log);
const data = loadFashionMnist({ base: BASE, queries: QUERIES });
const dim = data.dimensions;
const docVectors = Array.from({ length: BASE }, (_, i) => Array.from(row(data.base, i)));
const queryVectors = Array.from({ length: QUERIES }, (_, i) => Array.from(row(data.queries, i)));

/** Text → vector by table: every store embeds identically and for free. */
class TableEmbeddings extends Embeddings {
  constructor() {
    super({});
  }
  async embedDocuments(texts) {
    return texts.map((t) => this.#lookup(t));
  }
  async embedQuery(text) {
    return this.#lookup(text);
  }
  #lookup(text) {
    const [kind, n] = text.split(' ');
    const v = (kind === 'doc' ? docVectors : queryVectors)[Number(n)];
    if (v === undefined) throw new Error(`no vector for ${text}`);
    return v;
  }
}
const embeddings = new TableEmbeddings();
const documents = () => docVectors.map((_, i) => new Document({ pageContent: `doc ${i}`, metadata: { n: i } }));
const ids = docVectors.map((_, i) => `d${i}`);

// Exact cosine ground truth.
const norm = (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const docNorms = docVectors.map(norm);
const truth = queryVectors.map((q) => {
  const qn = norm(q);
  const scored = docVectors.map((d, i) => {
    let dot = 0;
    for (let j = 0; j < dim; j++) dot += d[j] * q[j];
    return [i, 1 - dot / (docNorms[i] * qn)];
  });
  scored.sort((a, b) => a[1] - b[1]);
  return scored.slice(0, K);
});
const recallOf = (docs, qi) => {
  const kth = truth[qi][K - 1][1];
  const want = new Set(truth[qi].map(([i]) => i));
  let hit = 0;
  for (const d of docs) {
    const n = Number(String(d.pageContent).split(' ')[1]);
    if (want.has(n)) hit++;
    else {
      // tie-aware: a hit at the k-th true distance counts
      const v = docVectors[n];
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += v[j] * queryVectors[qi][j];
      if (1 - dot / (docNorms[n] * norm(queryVectors[qi])) <= kth + 1e-9) hit++;
    }
  }
  return hit / K;
};

const stores = [];
const cleanups = [];
async function add(name, fn) {
  log(`filling ${name} ...`);
  const t0 = performance.now();
  const store = await fn();
  stores.push({ name, store, buildMs: performance.now() - t0 });
}

await add('MemoryVectorStore', async () => {
  const s = new MemoryVectorStore(embeddings);
  await s.addDocuments(documents(), { ids });
  return s;
});
const hnsw = await (async () => {
  const t0 = performance.now();
  const s = await HNSWLib.fromDocuments(documents(), embeddings, { space: 'cosine' });
  return { s, ms: performance.now() - t0 };
})();
stores.push({ name: 'HNSWLib (default ef)', store: hnsw.s, buildMs: hnsw.ms, before: () => hnsw.s.index.setEf(10) });
stores.push({ name: 'HNSWLib (ef 64)', store: hnsw.s, buildMs: hnsw.ms, before: () => hnsw.s.index.setEf(64) });

const dir = await mkdtemp(path.join(os.tmpdir(), 'vecdex-langchain-bench-'));
cleanups.push(() => rm(dir, { recursive: true, force: true }));
const vx = await openVecdex({
  config: {
    backend: { use: sqlitevec, options: { path: path.join(dir, 'v.db') } },
    dataDir: path.join(dir, 'data'),
    plugins: [hnswlib],
  },
  cwd: dir,
  env: {},
});
cleanups.unshift(() => vx.close());
await add('vecdex sqlite-vec exact', async () => {
  const s = new VecdexVectorStore(embeddings, { vecdex: vx, collection: 'fmnist', search: { exact: true } });
  await s.addDocuments(documents(), { ids });
  return s;
});
await add('vecdex sqlite-vec + hnswlib', async () => {
  await vx.indexes.create({
    name: 'fmnist-hnsw',
    plugin: 'hnswlib',
    collections: ['fmnist'],
    params: { M: 16, efConstruction: 200, efSearch: 64 },
  });
  await vx.indexes.build('fmnist-hnsw');
  return new VecdexVectorStore(embeddings, { vecdex: vx, collection: 'fmnist', search: { index: 'fmnist-hnsw' } });
});
stores.push({
  name: 'vecdex sqlite-vec + hnswlib (ef 10)',
  store: new VecdexVectorStore(embeddings, {
    vecdex: vx,
    collection: 'fmnist',
    search: { index: 'fmnist-hnsw', params: { efSearch: 10 } },
  }),
  buildMs: stores.at(-1).buildMs,
});

if (PG_URL !== undefined) {
  const { PGVectorStore } = await import('@langchain/community/vectorstores/pgvector');
  const table = `lc_bench_${process.pid}`;
  await add('PGVector (community)', async () => {
    const s = await PGVectorStore.initialize(embeddings, {
      postgresConnectionOptions: { connectionString: PG_URL },
      tableName: table,
      dimensions: dim,
      distanceStrategy: 'cosine',
    });
    await s.addDocuments(documents(), { ids: ids.map((_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`) });
    cleanups.unshift(async () => {
      await s.pool.query(`DROP TABLE IF EXISTS ${table}`);
      await s.end();
    });
    return s;
  });
  const schema = `lc_bench_${process.pid}`;
  const pvx = await openVecdex({
    config: { backend: { use: pgvector, options: { connectionString: PG_URL, schema } }, dataDir: dir },
    cwd: dir,
    env: {},
  });
  cleanups.unshift(async () => {
    await pvx.backend.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pvx.close();
  });
  await add('vecdex pgvector exact', async () => {
    const s = new VecdexVectorStore(embeddings, { vecdex: pvx, collection: 'fmnist', search: { exact: true } });
    await s.addDocuments(documents(), { ids });
    return s;
  });
}

// Recall (one pass) and warm-up.
for (const s of stores) {
  s.before?.();
  let r = 0;
  for (let qi = 0; qi < QUERIES; qi++) r += recallOf(await s.store.similaritySearch(`query ${qi}`, K), qi);
  s.recall = r / QUERIES;
  s.best = Number.POSITIVE_INFINITY;
}
for (let rep = 0; rep < REPEATS; rep++) {
  log(`timing pass ${rep + 1}/${REPEATS} ...`);
  const spent = new Map(stores.map((s) => [s, 0]));
  for (let c = 0; c < QUERIES; c += CHUNK) {
    const order = stores.map((_, i) => stores[(i + c / CHUNK + rep) % stores.length]);
    for (const s of order) {
      s.before?.();
      const t0 = performance.now();
      for (let qi = c; qi < Math.min(QUERIES, c + CHUNK); qi++) await s.store.similaritySearch(`query ${qi}`, K);
      spent.set(s, spent.get(s) + performance.now() - t0);
    }
  }
  for (const s of stores) s.best = Math.min(s.best, spent.get(s));
}
for (const c of cleanups) await c();

const load = (await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const memory = stores.find((s) => s.name === 'MemoryVectorStore');
const rows = stores.map((s) => {
  const qps = (QUERIES / s.best) * 1000;
  return { name: s.name, qps, recall: s.recall, buildMs: s.buildMs, vsMemory: qps / ((QUERIES / memory.best) * 1000) };
});
if (flags.json) {
  console.log(JSON.stringify({ base: BASE, queries: QUERIES, k: K, dimensions: dim, load, rows }, null, 2));
} else {
  const headers = ['store', 'similaritySearch QPS', `recall@${K}`, '× MemoryVectorStore', 'fill (s)'];
  const cells = rows.map((r) => [
    r.name,
    qpsText(r.qps),
    r.recall.toFixed(3),
    `${r.vsMemory.toFixed(1)}×`,
    (r.buildMs / 1000).toFixed(1),
  ]);
  console.log(
    `Fashion-MNIST ${BASE} docs × ${dim}-d, cosine, ${QUERIES} queries, k=${K}, best of ${REPEATS}; load average ${load}`,
  );
  console.log(textTable(headers, cells));
  console.log('');
  console.log(markdownTable(headers, cells));
}
