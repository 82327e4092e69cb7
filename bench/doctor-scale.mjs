#!/usr/bin/env node
// How long `vecdex doctor` takes on a large sqlite-vec store with a usearch index, against the
// raw costs it cannot avoid, in one run:
//
//   node bench/doctor-scale.mjs [--items 1000000] [--dims 32] [--dir /tmp/vecdex-doctor-bench] [--markdown]
//
// The store (items with a little metadata, 1% deleted, 1,000 changes left pending) and its usearch
// index are built once into --dir and reused by later runs with the same --items/--dims. Rows:
//   doctor()                    the whole report (versions, add-ons, store opened read-only,
//                               quick_check, WAL, feed, the index's files verified, caches)
//   index.verify()              the plugin's file check alone (manifest, sizes, sha256 of every
//                               byte, usearch's walk of every node), as doctor calls it
//   raw PRAGMA quick_check      better-sqlite3 alone on the same file (doctor's integrity check)
//   raw sha256 of index files   node:crypto over the index directory (doctor's file verification
//                               hashes every byte; usearch's deep check walks the file besides)
//   raw PRAGMA integrity_check  the full check doctor does NOT run (it also cross-checks indexes)
//   vx.indexes.status()         what `vecdex index status` costs: opens and loads the index
// Costs grow linearly with the store and index sizes: quick_check reads every page once, the
// file verification reads every index byte once; nothing else scans.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { doctor, openVecdex } from '@vecdex/core';
import { markdownTable, textTable } from './lib/text-table.mjs';

const opts = parseArgs(process.argv.slice(2));
const dir = path.join(opts.dir, `${opts.items}x${opts.dims}`);
const here = path.dirname(new URL(import.meta.url).pathname);
const config = {
  backend: { use: 'sqlitevec', options: { path: path.join(dir, 'store.db') } },
  plugins: ['@vecdex/index-usearch'],
  dataDir: path.join(dir, 'data'),
};
const open = () => openVecdex({ config, cwd: here, env: {} });

if (!fs.existsSync(path.join(dir, 'ready'))) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const vx = await open();
  const t0 = performance.now();
  await vx.collections.create({ name: 'docs', dimensions: opts.dims, metric: 'l2' });
  const docs = vx.collection('docs');
  let seed = 1;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648 - 0.5;
  };
  for (let at = 0; at < opts.items; at += 10_000) {
    const batch = [];
    for (let i = at; i < Math.min(opts.items, at + 10_000); i++) {
      batch.push({ id: `d${i}`, vector: Array.from({ length: opts.dims }, rand), metadata: { n: i, lang: i % 3 ? 'en' : 'de' } });
    }
    await docs.upsert(batch);
    if (process.stderr.isTTY) process.stderr.write(`\rstore: ${at + batch.length} items`);
  }
  await docs.delete(Array.from({ length: Math.floor(opts.items / 100) }, (_, i) => `d${i * 100}`));
  await vx.indexes.create({ name: 'docs-us', plugin: 'usearch', collections: ['docs'], params: { threads: 2 } });
  await vx.indexes.build('docs-us');
  await docs.upsert(Array.from({ length: 1000 }, (_, i) => ({ id: `p${i}`, vector: Array.from({ length: opts.dims }, rand) })));
  await vx.close();
  fs.writeFileSync(path.join(dir, 'ready'), `${Math.round(performance.now() - t0)} ms\n`);
  if (process.stderr.isTTY) process.stderr.write('\n');
}

// Open once for writing: a store built by an older vecdex is migrated first (doctor opens read-only).
await (await open()).close();

const time = async (fn) => {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
};
const files = (d) =>
  fs
    .readdirSync(d, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath ?? e.path, e.name));
const bytes = (list) => list.reduce((n, f) => n + fs.statSync(f).size, 0);
const indexFiles = files(path.join(dir, 'data', 'indexes'));

const loadBefore = fs.readFileSync('/proc/loadavg', 'utf8').trim();
// Warm the page cache the same way for every row: each reads the same files.
for (const f of [config.backend.options.path, ...indexFiles]) fs.readFileSync(f);

const d = await time(() => doctor({ config, cwd: here, env: {} }));
const failed = d.value.checks.filter((c) => c.status === 'fail');
if (failed.length > 0) throw new Error(`doctor found problems: ${JSON.stringify(failed)}`);
const verify = await time(async () => {
  const vx = await open();
  try {
    const def = await vx.indexes.get('docs-us');
    const info = await vx.backend.getCollection('docs');
    const state = await vx.backend.getIndexState('docs-us');
    const index = await vx.plugins.index('usearch').open({
      definition: def,
      dimensions: info.dimensions,
      metric: info.metric,
      directory: path.join(dir, 'data', 'indexes', 'docs-us'),
      backend: vx.backend,
    });
    const v = await index.verify(state.state);
    await index.close();
    if (!v.ok) throw new Error(`verify failed: ${v.reason}`);
    return v;
  } finally {
    await vx.close();
  }
});
const quick = await time(() => {
  const db = new Database(config.backend.options.path, { readonly: true });
  const r = db.pragma('quick_check', { simple: true });
  db.close();
  return r;
});
const hash = await time(async () => {
  for (const f of indexFiles) {
    const h = createHash('sha256');
    for await (const c of fs.createReadStream(f, { highWaterMark: 1 << 20 })) h.update(c);
    h.digest();
  }
});
const full = await time(() => {
  const db = new Database(config.backend.options.path, { readonly: true });
  const r = db.pragma('integrity_check', { simple: true });
  db.close();
  return r;
});
const status = await time(async () => {
  const vx = await open();
  try {
    return await vx.indexes.status('docs-us');
  } finally {
    await vx.close();
  }
});
const loadAfter = fs.readFileSync('/proc/loadavg', 'utf8').trim();

const floor = quick.ms + hash.ms;
const rows = [
  ['doctor()', fmt(d.ms), `${(d.ms / floor).toFixed(2)}x`],
  ['  of which: index.verify() (open + verify)', fmt(verify.ms), `${(verify.ms / hash.ms).toFixed(2)}x sha256`],
  ['raw PRAGMA quick_check', fmt(quick.ms), ''],
  ['raw sha256 of index files', fmt(hash.ms), ''],
  ['  quick_check + sha256 (floor)', fmt(floor), '1.00x'],
  ['raw PRAGMA integrity_check', fmt(full.ms), `${(full.ms / floor).toFixed(2)}x`],
  ['vx.indexes.status() (loads the index)', fmt(status.ms), `${(status.ms / floor).toFixed(2)}x`],
];
const mib = (n) => `${(n / 1024 / 1024).toFixed(0)} MiB`;
console.log(
  `${opts.items} items x ${opts.dims} dims: store ${mib(fs.statSync(config.backend.options.path).size)}, usearch index ${mib(bytes(indexFiles))}; ${os.cpus().length} cores; loadavg before ${loadBefore}, after ${loadAfter}`,
);
console.log(
  `doctor: ${d.value.checks.length} checks, ${
    d.value.checks
      .filter((c) => c.status === 'warn')
      .map((c) => c.name)
      .join(', ') || 'no'
  } warnings`,
);
console.log((opts.markdown ? markdownTable : textTable)(['step', 'ms', 'vs floor'], rows));

function fmt(ms) {
  return ms.toFixed(0);
}

function parseArgs(argv) {
  const o = { items: 1_000_000, dims: 32, dir: path.join(os.tmpdir(), 'vecdex-doctor-bench'), markdown: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--items') o.items = Number(argv[++i]);
    else if (a === '--dims') o.dims = Number(argv[++i]);
    else if (a === '--dir') o.dir = argv[++i];
    else if (a === '--markdown') o.markdown = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}
