#!/usr/bin/env node
// How fast does the ingest pipeline embed against a remote API, by concurrency?
//
//   node bench/embed-throughput.mjs [--items 2000] [--batch 32] [--latency 50] [--dims 256]
//                                   [--concurrency 1,2,4,8,16] [--markdown]
//
// A local HTTP server speaking the OpenAI embeddings API (POST /v1/embeddings) answers every
// request after a fixed simulated latency (--latency ms), with deterministic vectors. For each
// concurrency, vecdex's ingest() embeds --items texts in batches of --batch into a fresh SQLite
// collection (real store, real upserts, embedding cache off so every text is requested), and
// the table shows items/s, requests, the most requests the server saw in flight at once, and
// the speedup over concurrency 1. The ideal is items/s = concurrency x batch / latency until the
// machine (JSON, SQLite writes) becomes the limit. A last row shows the offline hashing provider.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { createHashingProvider, createOpenAIProvider, ingest, openVecdex } from '@vecdex/core';
import { markdownTable, textTable } from './lib/text-table.mjs';

const opts = parseArgs(process.argv.slice(2));

function vectorFor(text, dims) {
  const h = createHash('sha256').update(text).digest();
  const v = new Array(dims);
  for (let i = 0; i < dims; i++) v[i] = (h[i % 32] - 127.5) / 128 + i * 1e-6;
  return v;
}

async function startServer(latencyMs, dims) {
  const state = { requests: 0, inFlight: 0, maxInFlight: 0 };
  const server = http.createServer(async (req, res) => {
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    state.requests++;
    await new Promise((r) => setTimeout(r, latencyMs));
    const data = body.input.map((t, index) => ({ object: 'embedding', index, embedding: vectorFor(t, dims) }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data, model: body.model }));
    state.inFlight--;
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { state, apiBase: `http://127.0.0.1:${server.address().port}/v1`, close: () => new Promise((r) => server.close(r)) };
}

const texts = Array.from({ length: opts.items }, (_, i) => ({
  id: `t${i}`,
  text: `benchmark text number ${i}: ${'lorem ipsum dolor sit amet '.repeat(1 + (i % 5))}`,
}));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-embed-bench-'));
const vx = await openVecdex({
  config: { backend: { use: sqlitevec, options: { path: path.join(dir, 'bench.db') } } },
  cwd: dir,
  env: {},
});
const server = await startServer(opts.latency, opts.dims);
const rows = [];
let base = null;
try {
  for (const c of opts.concurrency) {
    server.state.maxInFlight = 0;
    const before = server.state.requests;
    const provider = createOpenAIProvider({
      apiBase: server.apiBase,
      model: 'bench',
      dimensions: opts.dims,
      maxBatchSize: opts.batch,
    });
    const t0 = performance.now();
    const r = await ingest(vx, { collection: `c${c}`, provider, records: texts, concurrency: c, cache: false });
    const secs = (performance.now() - t0) / 1000;
    if (r.embedded !== opts.items || r.failed.length > 0)
      throw new Error(`concurrency ${c}: embedded ${r.embedded}, failed ${r.failed.length}`);
    const rate = opts.items / secs;
    base ??= rate;
    const ideal = (c * opts.batch * 1000) / opts.latency;
    rows.push([
      `openai-compatible, ${c}`,
      String(server.state.requests - before),
      String(server.state.maxInFlight),
      secs.toFixed(2),
      rate.toFixed(0),
      ideal.toFixed(0),
      `${(rate / base).toFixed(1)}x`,
    ]);
    console.error(`concurrency ${c}: ${rate.toFixed(0)} items/s`);
  }
  const hashing = createHashingProvider({ dimensions: opts.dims });
  const t0 = performance.now();
  await ingest(vx, { collection: 'hashing', provider: hashing, records: texts, cache: false });
  const secs = (performance.now() - t0) / 1000;
  rows.push(['hashing (offline), 4', '0', '-', secs.toFixed(2), (opts.items / secs).toFixed(0), '-', '-']);
} finally {
  await server.close();
  await vx.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

console.log(
  `\nembed throughput: ${opts.items} texts, batch ${opts.batch}, ${opts.dims} dims, ${opts.latency} ms simulated latency per request, SQLite store, Node ${process.version}, ${os.cpus().length} cores\n`,
);
const headers = ['provider, concurrency', 'requests', 'max in flight', 'seconds', 'items/s', 'ideal items/s', 'speedup'];
console.log(opts.markdown ? markdownTable(headers, rows) : textTable(headers, rows));

function parseArgs(argv) {
  const o = { items: 2000, batch: 32, latency: 50, dims: 256, concurrency: [1, 2, 4, 8, 16], markdown: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--items') o.items = Number(next());
    else if (a === '--batch') o.batch = Number(next());
    else if (a === '--latency') o.latency = Number(next());
    else if (a === '--dims') o.dims = Number(next());
    else if (a === '--concurrency') o.concurrency = next().split(',').map(Number);
    else if (a === '--markdown') o.markdown = true;
    else throw new Error(`unknown option ${a}; see the comment at the top of bench/embed-throughput.mjs`);
  }
  return o;
}
