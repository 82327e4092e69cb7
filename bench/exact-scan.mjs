#!/usr/bin/env node
// Exact search on the default backend (sqlitevec) against a native SIMD scan of the same vectors:
// usearch's `exactSearch` (one thread), the two taking turns query by query in one process.
//
//   node bench/exact-scan.mjs [--data fashion-mnist,clustered] [--count 1000000] [--dim 128]
//                             [--queries 100] [--k 10] [--no-vec0] [--json]
//
// Data: Fashion-MNIST (60,000 × 784, l2; its test images as queries) and seeded clustered
// synthetic vectors (--count × --dim, 1,000 centres; queries drawn from the same distribution).
// Variants, each through the public API (`collection.similar(q, { exact: true })`):
//   vecdex        the default: the in-memory copy scanned with usearch's SIMD kernel
//   vecdex vec0   the same store opened with `exactSearchMemoryBytes: 0` (the vec0 scan)
// The first query of the default variant builds the copy; it is reported separately ("copy
// build") and not in the per-query figures.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openVecdex } from '@vecdex/core';
import { clustered } from './lib/clustered.mjs';
import { exactVsYardstick } from './lib/exact-yardstick.mjs';
import { ensureFashionMnist, loadFashionMnist } from './lib/fashion-mnist.mjs';
import { markdownTable, textTable } from './lib/text-table.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const opts = parseArgs(process.argv.slice(2));
const log = opts.json ? () => {} : (...a) => console.error(...a);

function parseArgs(argv) {
  const o = { data: ['fashion-mnist', 'clustered'], count: 1_000_000, dim: 128, queries: 100, k: 10, vec0: true, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--data') o.data = next().split(',');
    else if (a === '--count') o.count = Number(next());
    else if (a === '--dim') o.dim = Number(next());
    else if (a === '--queries') o.queries = Number(next());
    else if (a === '--k') o.k = Number(next());
    else if (a === '--no-vec0') o.vec0 = false;
    else if (a === '--json') o.json = true;
    else {
      console.error(`unknown argument ${a}`);
      process.exit(2);
    }
  }
  return o;
}

async function open(file, options = {}) {
  return openVecdex({
    config: {
      backend: { use: '@vecdex/backend-sqlitevec', options: { path: file, ...options } },
      dataDir: path.join(path.dirname(file), 'data'),
    },
    env: {},
    resolvePaths: [HERE],
  });
}

function dataset(name) {
  if (name === 'fashion-mnist') {
    ensureFashionMnist(undefined, log);
    const f = loadFashionMnist({ base: 60_000, queries: opts.queries });
    return { label: 'Fashion-MNIST 60k × 784', base: f.base, count: f.baseCount, dim: f.dimensions, queries: f.queries };
  }
  if (name === 'clustered') {
    const label = `clustered ${opts.count.toLocaleString('en-US')} × ${opts.dim}`;
    log(`generating ${label}...`);
    const all = clustered({ count: opts.count + opts.queries, dim: opts.dim, seed: 42 });
    return {
      label,
      base: all.subarray(0, opts.count * opts.dim),
      count: opts.count,
      dim: opts.dim,
      queries: all.slice(opts.count * opts.dim),
    };
  }
  throw new Error(`unknown data set ${name} (fashion-mnist, clustered)`);
}

const rows = [];
for (const name of opts.data) {
  const ds = dataset(name);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-exact-scan-'));
  const file = path.join(dir, 'store.db');
  try {
    const vx = await open(file);
    await vx.collections.create({ name: 'bench', dimensions: ds.dim, metric: 'l2' });
    const col = vx.collection('bench');
    const t0 = performance.now();
    for (let start = 0; start < ds.count; start += 5000) {
      const items = [];
      for (let i = start; i < Math.min(ds.count, start + 5000); i++) {
        items.push({ id: String(i), vector: ds.base.subarray(i * ds.dim, (i + 1) * ds.dim) });
      }
      await col.upsert(items);
      if (process.stderr.isTTY && !opts.json) process.stderr.write(`\r${ds.label}: ingest ${start + items.length} / ${ds.count}`);
    }
    log(`\r${ds.label}: ingested in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const base = new Float32Array(ds.base); // usearch reads from byte 0 of the buffer
    const search = (q) => col.similar(q, { k: opts.k, exact: true, include: {} });
    const tb = performance.now();
    await search(ds.queries.subarray(0, ds.dim));
    const buildMs = performance.now() - tb;
    log(`${ds.label}: copy built on the first query in ${buildMs.toFixed(0)} ms; timing ${opts.queries} queries`);
    const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const r = await exactVsYardstick({ base, dim: ds.dim, queries: ds.queries, queryCount: opts.queries, k: opts.k, search });
    rows.push({ data: ds.label, variant: 'vecdex (in-memory copy, usearch kernel)', ...r, buildMs, load });
    if (opts.vec0) {
      const vx0 = await open(file, { exactSearchMemoryBytes: 0 });
      const col0 = vx0.collection('bench');
      const q = Math.max(10, Math.floor(opts.queries / 5));
      const r0 = await exactVsYardstick({
        base,
        dim: ds.dim,
        queries: ds.queries,
        queryCount: q,
        k: opts.k,
        search: (v) => col0.similar(v, { k: opts.k, exact: true, include: {} }),
        warmup: 1,
      });
      rows.push({ data: ds.label, variant: 'vecdex vec0 scan (exactSearchMemoryBytes: 0)', ...r0, buildMs: null, load });
      await vx0.close();
    }
    await vx.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (opts.json) {
  console.log(JSON.stringify({ k: opts.k, queries: opts.queries, rows }, null, 2));
} else {
  const headers = [
    'data',
    'variant',
    'ms p50',
    'usearch ms p50',
    'ratio (p50)',
    'CPU ms mean',
    'usearch CPU ms mean',
    'CPU ratio',
    'copy build ms',
    'load avg',
  ];
  const cells = rows.map((r) => [
    r.data,
    r.variant,
    r.vecdex.median.toFixed(2),
    r.usearch.median.toFixed(2),
    `${r.ratio.toFixed(2)}×`,
    r.vecdexCpu.mean.toFixed(2),
    r.usearchCpu.mean.toFixed(2),
    `${r.cpuRatio.toFixed(2)}×`,
    r.buildMs === null ? '-' : r.buildMs.toFixed(0),
    r.load,
  ]);
  console.log(textTable(headers, cells));
  console.log();
  console.log(markdownTable(headers, cells));
}
