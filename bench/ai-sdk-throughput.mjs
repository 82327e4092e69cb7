#!/usr/bin/env node
// @vecdex/provider-ai-sdk against calling the AI SDK's embedMany directly, in one run.
//
//   node bench/ai-sdk-throughput.mjs [--items 4000] [--batch 64] [--latency 40] [--dims 256]
//                                    [--concurrency 4] [--markdown]
//
// One local HTTP server speaking the OpenAI embeddings API answers every request after a fixed
// simulated latency (--latency ms), with deterministic vectors; @ai-sdk/openai-compatible talks to
// it in every row. Rows:
//   embedMany (SDK defaults)          one embedMany call over all texts (the SDK splits by the
//                                     model's maxEmbeddingsPerCall, 2048, all calls in parallel)
//   embedMany, batch x concurrency    the texts in batches of --batch, at most --concurrency
//                                     calls at once (what vecdex's pipeline does): vectors only
//   vecdex ingest, cache off          ingest() with the ai-sdk provider: batches, retries,
//                                     timeouts, and every vector written to a SQLite collection
//   vecdex ingest, unchanged corpus   the same ingest again: content hashes match, no request
//   vecdex ingest, cache on           the same texts into a new collection: the embedding cache
//                                     answers, no request
// items/s is texts per second end to end; "vs embedMany" divides by the batch x concurrency row.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { ingest, openVecdex } from '@vecdex/core';
import { createAiSdkProvider } from '@vecdex/provider-ai-sdk';
import { embedMany } from 'ai';
import { markdownTable, textTable } from './lib/text-table.mjs';

const opts = parseArgs(process.argv.slice(2));

function vectorFor(text, dims) {
  const h = createHash('sha256').update(text).digest();
  const v = new Array(dims);
  for (let i = 0; i < dims; i++) v[i] = (h[i % 32] - 127.5) / 128 + i * 1e-6;
  return v;
}

const state = { requests: 0 };
const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  state.requests++;
  await new Promise((r) => setTimeout(r, opts.latency));
  const data = body.input.map((t, index) => ({ object: 'embedding', index, embedding: vectorFor(t, opts.dims) }));
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data, model: body.model }));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const apiBase = `http://127.0.0.1:${server.address().port}/v1`;
const model = createOpenAICompatible({ name: 'bench', baseURL: apiBase }).embeddingModel('bench-model');

const texts = Array.from({ length: opts.items }, (_, i) => ({
  id: `t${i}`,
  text: `benchmark text number ${i}: ${'lorem ipsum dolor sit amet '.repeat(1 + (i % 5))}`,
}));
const values = texts.map((t) => t.text);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-ai-sdk-bench-'));
const vx = await openVecdex({
  config: { backend: { use: sqlitevec, options: { path: path.join(dir, 'bench.db') } } },
  cwd: dir,
  env: {},
});
const rows = [];
let direct = null;

async function row(label, fn, check) {
  const before = state.requests;
  const t0 = performance.now();
  const result = await fn();
  const secs = (performance.now() - t0) / 1000;
  check(result);
  const rate = opts.items / secs;
  rows.push([label, String(state.requests - before), secs.toFixed(2), rate.toFixed(0), rate]);
  console.error(`${label}: ${rate.toFixed(0)} items/s`);
  return rate;
}

try {
  const all = (r) => {
    if (r.embeddings.length !== opts.items) throw new Error('embedMany returned the wrong count');
  };
  await row('embedMany (SDK defaults)', () => embedMany({ model, values, maxRetries: 0 }), all);
  const batched = async () => {
    const out = new Array(values.length);
    let next = 0;
    const worker = async () => {
      for (;;) {
        const start = next;
        next += opts.batch;
        if (start >= values.length) return;
        const { embeddings } = await embedMany({ model, values: values.slice(start, start + opts.batch), maxRetries: 0 });
        for (let i = 0; i < embeddings.length; i++) out[start + i] = embeddings[i];
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
    return { embeddings: out.filter(Boolean) };
  };
  direct = await row(`embedMany, batch ${opts.batch} x ${opts.concurrency}`, batched, all);
  const provider = await createAiSdkProvider(model, { dimensions: opts.dims, batchSize: opts.batch });
  const ok = (r) => {
    if (r.failed.length > 0) throw new Error(`ingest failed ${r.failed.length}: ${r.failed[0].reason}`);
  };
  const run = (collection, cache) => () =>
    ingest(vx, { collection, provider, records: texts, concurrency: opts.concurrency, cache });
  await row('vecdex ingest, cache off', run('a', false), ok);
  await row('vecdex ingest, unchanged corpus', run('a', false), (r) => {
    ok(r);
    if (r.unchanged !== opts.items) throw new Error(`expected ${opts.items} unchanged, got ${r.unchanged}`);
  });
  await row('vecdex ingest, cache on (primed)', run('b', true), ok);
  await row('vecdex ingest, cache on (hit)', run('c', true), (r) => {
    ok(r);
    if (r.cached !== opts.items) throw new Error(`expected ${opts.items} cached, got ${r.cached}`);
  });
} finally {
  server.close();
  await vx.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

console.log(
  `\nai-sdk provider throughput: ${opts.items} texts, ${opts.dims} dims, ${opts.latency} ms simulated latency per request, @ai-sdk/openai-compatible, SQLite store, Node ${process.version}, ${os.cpus().length} cores, loadavg ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`,
);
for (const r of rows) r[4] = `${(r[4] / direct).toFixed(2)}x`;
const headers = ['path', 'requests', 'seconds', 'items/s', 'vs embedMany'];
console.log(opts.markdown ? markdownTable(headers, rows) : textTable(headers, rows));

function parseArgs(argv) {
  const o = { items: 4000, batch: 64, latency: 40, dims: 256, concurrency: 4, markdown: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--items') o.items = Number(next());
    else if (a === '--batch') o.batch = Number(next());
    else if (a === '--latency') o.latency = Number(next());
    else if (a === '--dims') o.dims = Number(next());
    else if (a === '--concurrency') o.concurrency = Number(next());
    else if (a === '--markdown') o.markdown = true;
    else throw new Error(`unknown option ${a}; see the comment at the top of bench/ai-sdk-throughput.mjs`);
  }
  return o;
}
