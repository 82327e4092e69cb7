#!/usr/bin/env node
// What does a text query cost, with and without a query-cache hit, and what does a batch save?
//
//   node bench/query-latency.mjs [--items 5000] [--dims 256] [--queries 200] [--latency 0,20]
//                                [--batch 100] [--repeats 7] [--markdown]
//
// A local HTTP server speaking the OpenAI embeddings API (on its own thread) answers after --latency ms (each value
// gets its own rows; 0 measures the HTTP round trip alone), with deterministic vectors. --items
// texts are embedded into a SQLite collection with an hnswlib index (M 16). Then, per latency,
// the mean / p50 / p95 time of one `collection.similar({ text }, { k: 10 })`:
//   - cache miss: every query a new text, the query cache off (one provider request each);
//   - store hit: texts already in the store's persistent embedding cache, memory layer off
//     (what a new CLI process sees);
//   - memory hit: the same texts again in the same process;
// beside the parts measured alone in the same run: the raw provider call (createOpenAIProvider
// .embed, one text) and the vector query (`similar(vector)`), so miss ≈ provider + vector query.
// Then --batch queries at once: `similarMany` (one request for all texts) against a loop of
// single `similar({ text })` calls (one request each), both with the cache off; and the same for
// vectors (similarMany's per-query work is a loop today, so that ratio shows its overhead only).
// Batch rows are the median of --repeats interleaved runs.
// The offline hashing provider gets the same rows. Note the load average beside the figures.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { createHashingProvider, createOpenAIProvider, ingest, openVecdex } from '@vecdex/core';
import hnswlib from '@vecdex/index-hnswlib';
import { markdownTable, textTable } from './lib/text-table.mjs';

const opts = parseArgs(process.argv.slice(2));
const MODEL = `bench-${opts.dims}`;

/**
 * The server runs on its own thread (its own event loop, as a real API would be), so a query's
 * client side and the server do not wait for each other's turns of one loop. Requests are counted,
 * and the latency is set, through shared memory: [requests, latencyMs].
 */
async function startServer(dims) {
  const shared = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(
    `
    const { createHash } = require('node:crypto');
    const http = require('node:http');
    const { parentPort, workerData } = require('node:worker_threads');
    const { shared, dims } = workerData;
    const vectorFor = (text) => {
      const h = createHash('sha256').update(text).digest();
      const v = new Array(dims);
      for (let i = 0; i < dims; i++) v[i] = (h[i % 32] - 127.5) / 128 + ((i * 7919) % 13) * 1e-3;
      return v;
    };
    const server = http.createServer(async (req, res) => {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      Atomics.add(shared, 0, 1);
      const latency = Atomics.load(shared, 1);
      if (latency > 0) await new Promise((r) => setTimeout(r, latency));
      const data = body.input.map((t, index) => ({ object: 'embedding', index, embedding: vectorFor(t) }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data, model: body.model }));
    });
    server.keepAliveTimeout = 60000;
    server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
    parentPort.on('message', () => server.close(() => process.exit(0)));
    `,
    { eval: true, workerData: { shared, dims } },
  );
  const port = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const state = {
    get requests() {
      return Atomics.load(shared, 0);
    },
    set latencyMs(ms) {
      Atomics.store(shared, 1, ms);
    },
  };
  return {
    state,
    apiBase: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise((r) => worker.once('exit', r).postMessage('close')),
  };
}

const words = ['keys', 'vault', 'coat', 'milk', 'river', 'garden', 'server', 'kitten', 'violin', 'harbor', 'ledger', 'rain'];
const textOf = (i, tag = '') => `${words[i % 12]} ${words[(i * 7) % 12]} ${words[(i * 5 + 3) % 12]} note ${i}${tag}`;

/** Mean, p50 and p95 of `fn(i)` over `n` calls, in milliseconds. */
async function time(n, fn) {
  const ms = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const mean = ms.reduce((a, b) => a + b, 0) / n;
  return { mean, p50: ms[Math.floor(n * 0.5)], p95: ms[Math.min(n - 1, Math.floor(n * 0.95))] };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-query-bench-'));
const server = await startServer(opts.dims);
const open = (embedding) =>
  openVecdex({
    config: {
      backend: { use: sqlitevec, options: { path: path.join(dir, 'bench.db') } },
      plugins: [hnswlib],
      dataDir: path.join(dir, 'data'),
      embedding,
    },
    cwd: dir,
    env: {},
  });
const remote = { provider: 'openai', apiBase: server.apiBase };
const rows = [];
const fmt = (x) => x.toFixed(3);
const row = (provider, what, t, ref) =>
  rows.push([provider, what, fmt(t.mean), fmt(t.p50), fmt(t.p95), ref === undefined ? '-' : `${(t.p50 / ref).toFixed(1)}x`]);
try {
  // ---- the store: texts embedded through the server and by the hashing provider ----------------
  const setup = await open();
  const items = Array.from({ length: opts.items }, (_, i) => ({ id: `t${i}`, text: textOf(i) }));
  const serverProvider = createOpenAIProvider({
    apiBase: server.apiBase,
    model: MODEL,
    dimensions: opts.dims,
    maxBatchSize: 256,
  });
  await ingest(setup, { collection: 'remote', provider: serverProvider, records: items, cache: false });
  const hashing = createHashingProvider({ dimensions: opts.dims });
  await ingest(setup, { collection: 'local', provider: hashing, records: items, cache: false });
  for (const c of ['remote', 'local']) {
    await setup.indexes.create({ name: `${c}-hnsw`, plugin: 'hnswlib', collections: [c], params: { M: 16 }, default: true });
    await setup.indexes.build(`${c}-hnsw`);
  }
  await setup.close();
  console.error(`store ready: ${opts.items} items x ${opts.dims} dims, two collections, hnswlib indexes`);

  const n = opts.queries;
  for (const [label, collection, latencies] of [
    ['openai-compatible', 'remote', opts.latency],
    ['hashing (offline)', 'local', [null]],
  ]) {
    for (const latency of latencies) {
      if (latency !== null) server.state.latencyMs = latency;
      const name = latency === null ? label : `${label}, ${latency} ms`;
      const embedding = latency === null ? {} : remote;
      const provider = latency === null ? hashing : serverProvider;
      const hit = (i) => ({ text: textOf(i, `hit${latency}`) });
      // Put n texts in the store's persistent cache (written when the store closes).
      let vx = await open(embedding);
      for (let i = 0; i < n; i++) await vx.collection(collection).similar(hit(i), { k: 10 });
      await vx.close();
      // Three handles on the same store: cache off (every query asks the provider), memory off
      // (the store's cache answers, as in a new CLI process), both on (memory answers).
      const noCache = await open({ ...embedding, queryCache: false });
      const storeOnly = await open({ ...embedding, queryCache: { maxEntries: 0 } });
      const both = await open(embedding);
      for (let i = 0; i < n; i++) await both.collection(collection).similar(hit(i), { k: 10 });
      const vectors = await provider.embed(Array.from({ length: n }, (_, i) => textOf(i, 'vq')));
      await noCache.collection(collection).similar({ text: 'warm up' }, { k: 10 });
      // Interleaved: query i of every kind runs before query i + 1 of any, in rotating order, so
      // a loaded machine disturbs every row alike.
      const kinds = {
        miss: (i) => noCache.collection(collection).similar({ text: textOf(i, `miss${latency}`) }, { k: 10 }),
        storeHit: (i) => storeOnly.collection(collection).similar(hit(i), { k: 10 }),
        memoryHit: (i) => both.collection(collection).similar(hit(i), { k: 10 }),
        raw: (i) => provider.embed([textOf(i, `raw${latency}`)]),
        vectorQuery: (i) => noCache.collection(collection).similar(vectors[i], { k: 10 }),
      };
      const names = Object.keys(kinds);
      const ms = Object.fromEntries(names.map((k) => [k, []]));
      const before = server.state.requests;
      let storeRequests = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < names.length; j++) {
          const kind = names[(i + j) % names.length];
          const r0 = server.state.requests;
          const t0 = performance.now();
          await kinds[kind](i);
          ms[kind].push(performance.now() - t0);
          if (kind === 'storeHit' || kind === 'memoryHit') storeRequests += server.state.requests - r0;
        }
      }
      if (storeRequests !== 0) throw new Error(`cache hits made ${storeRequests} provider requests`);
      if (latency !== null && server.state.requests - before !== 2 * n)
        throw new Error('expected one request per miss and raw call');
      for (const h of [noCache, storeOnly, both]) await h.close();
      const stat = (xs) => {
        const sorted = [...xs].sort((x, y) => x - y);
        return {
          mean: xs.reduce((x, y) => x + y, 0) / xs.length,
          p50: sorted[Math.floor(sorted.length * 0.5)],
          p95: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))],
        };
      };
      const [miss, storeHit, memoryHit, raw, vectorQuery] = names.map((k) => stat(ms[k]));
      row(name, 'text query, cache miss', miss, memoryHit.p50);
      row(name, 'text query, store hit', storeHit, memoryHit.p50);
      row(name, 'text query, memory hit', memoryHit, memoryHit.p50);
      row(name, '  raw provider.embed (1 text)', raw, memoryHit.p50);
      row(name, '  vector query alone', vectorQuery, memoryHit.p50);

      // A batch: similarMany against a loop of single queries, cache off.
      vx = await open({ ...embedding, queryCache: false });
      const c = vx.collection(collection);
      const b = opts.batch;
      const texts = (tag) => Array.from({ length: b }, (_, i) => ({ text: textOf(i, tag) }));
      const vecs = vectors.slice(0, b);
      // Interleaved repeats (the order alternates), median of each: a loaded machine disturbs
      // both sides alike.
      const runs = { many: [], loop: [], manyVec: [], loopVec: [] };
      let manyRequests = 0;
      let loopRequests = 0;
      for (let rep = 0; rep < opts.repeats; rep++) {
        const steps = [
          async () => {
            const r0 = server.state.requests;
            runs.many.push((await time(1, () => c.similarMany(texts(`many${latency}-${rep}`), { k: 10 }))).mean);
            manyRequests = server.state.requests - r0;
          },
          async () => {
            const r0 = server.state.requests;
            runs.loop.push(
              (
                await time(1, async () => {
                  for (const q of texts(`loop${latency}-${rep}`)) await c.similar(q, { k: 10 });
                })
              ).mean,
            );
            loopRequests = server.state.requests - r0;
          },
          async () => runs.manyVec.push((await time(1, () => c.similarMany(vecs, { k: 10 }))).mean),
          async () =>
            runs.loopVec.push(
              (
                await time(1, async () => {
                  for (const v of vecs) await c.similar(v, { k: 10 });
                })
              ).mean,
            ),
        ];
        for (const step of rep % 2 === 0 ? steps : steps.reverse()) await step();
      }
      const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
      const many = { mean: median(runs.many) };
      const loop = { mean: median(runs.loop) };
      const manyVec = { mean: median(runs.manyVec) };
      const loopVec = { mean: median(runs.loopVec) };
      await vx.close();
      const reqs = (x) => (latency === null ? '' : `, ${x} request(s)`);
      rows.push([
        name,
        `${b} texts: similarMany${reqs(manyRequests)}`,
        fmt(many.mean),
        '',
        '',
        `${(many.mean / loop.mean).toFixed(2)}x loop`,
      ]);
      rows.push([name, `${b} texts: loop of similar${reqs(loopRequests)}`, fmt(loop.mean), '', '', '1.00x']);
      rows.push([
        name,
        `${b} vectors: similarMany`,
        fmt(manyVec.mean),
        '',
        '',
        `${(manyVec.mean / loopVec.mean).toFixed(2)}x loop`,
      ]);
      rows.push([name, `${b} vectors: loop of similar`, fmt(loopVec.mean), '', '', '1.00x']);
      console.error(`${name}: done`);
    }
  }
} finally {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

console.log(
  `\ntext query latency: ${opts.items} items x ${opts.dims} dims (SQLite + hnswlib M 16, k = 10), ${opts.queries} queries per row, batches of ${opts.batch}; Node ${process.version}, ${os.cpus().length} cores, load average ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}\n`,
);
const headers = ['provider', 'what', 'mean ms', 'p50 ms', 'p95 ms', 'p50 vs memory hit'];
console.log(opts.markdown ? markdownTable(headers, rows) : textTable(headers, rows));

function parseArgs(argv) {
  const o = { items: 5000, dims: 256, queries: 200, latency: [0, 20], batch: 100, repeats: 7, markdown: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--items') o.items = Number(next());
    else if (a === '--dims') o.dims = Number(next());
    else if (a === '--queries') o.queries = Number(next());
    else if (a === '--latency') o.latency = next().split(',').map(Number);
    else if (a === '--batch') o.batch = Number(next());
    else if (a === '--repeats') o.repeats = Number(next());
    else if (a === '--markdown') o.markdown = true;
    else throw new Error(`unknown option ${a}; see the comment at the top of bench/query-latency.mjs`);
  }
  return o;
}
