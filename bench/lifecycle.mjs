#!/usr/bin/env node
// The data's life after ingest, measured on Fashion-MNIST (60,000 × 784 float32, l2):
//
//   compaction  a store holding the base, 99% of its items deleted (every 100th kept), then
//               vx.compact(); its bytes before and after, against a fresh store holding only the
//               survivors, as written and compacted too (issue 16's target: within 10% of it). sqlite-vec (file + WAL bytes) and
//               pgvector (the schema's relations, pg_total_relation_size).
//   copy        vx.copyTo(pg): the sqlite-vec store (base, label metadata) into a fresh pgvector
//               schema, with its checkpoints and the final bit-for-bit verification (100 vectors);
//               against, in the same run and the same server: vecdex's own upsert of the same
//               vectors from memory into pgvector (the write side alone), and a hand-written
//               `COPY items FROM STDIN` with pg-copy-streams (the server's ceiling). Items/s.
//
//   node bench/lifecycle.mjs [--base 60000] [--batch 1000] [--json]
//
// Needs a PostgreSQL with pgvector 0.8: VECDEX_TEST_PG_URL, or one is started (and stopped
// afterwards) with scripts/setup-postgres.sh.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { openVecdex } from '@vecdex/core';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { DIMENSIONS, ensureFashionMnist, loadFashionMnist, row } from './lib/fashion-mnist.mjs';
import { markdownTable, textTable } from './lib/text-table.mjs';
import { startServerIfNeeded } from './lib/pg-server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const log = (...a) => console.error(...a);
const opts = parseArgs(process.argv.slice(2));
const now = () => performance.now();
const mib = (b) => (b / 1048576).toFixed(1);

async function main() {
  ensureFashionMnist(undefined, log);
  const data = loadFashionMnist({ base: opts.base, queries: 1 });
  const n = data.baseCount;
  const items = (from, to) =>
    Array.from({ length: to - from }, (_, j) => ({
      id: `f${from + j}`,
      vector: row(data.base, from + j),
      metadata: { label: data.baseLabels[from + j] },
    }));
  const survivors = [];
  for (let i = 0; i < n; i += 100) survivors.push(i);
  const server = startServerIfNeeded(log);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-bench-lifecycle-'));
  const schemas = [];
  const pool = new pg.Pool({ connectionString: server.url, max: 2 });
  const openPg = async () => {
    const schema = `bench_lifecycle_${process.pid}_${schemas.length}`;
    schemas.push(schema);
    return openVecdex({
      config: { backend: { use: 'pgvector', options: { connectionString: server.url, schema } } },
      cwd: HERE,
      env: {},
    });
  };
  const openLite = (name) =>
    openVecdex({ config: { backend: { use: sqlitevec, options: { path: path.join(tmp, name) } } }, cwd: tmp, env: {} });
  const load = async (vx, ids = null) => {
    await vx.collections.create({ name: 'fmnist', dimensions: DIMENSIONS, metric: 'l2' });
    const t = now();
    if (ids === null)
      for (let s = 0; s < n; s += opts.batch) await vx.collection('fmnist').upsert(items(s, Math.min(n, s + opts.batch)));
    else await vx.collection('fmnist').upsert(ids.map((i) => items(i, i + 1)[0]));
    return now() - t;
  };
  const results = { machine: machine(), base: n, compaction: [], copy: [] };
  try {
    // ---- compaction ----------------------------------------------------------------------------
    for (const [backend, open] of [
      ['sqlite-vec', () => openLite('full.db')],
      ['pgvector', openPg],
    ]) {
      log(`compaction on ${backend}: loading ${n} ...`);
      const vx = await open();
      await load(vx);
      const keep = new Set(survivors.map((i) => `f${i}`));
      const doomed = [];
      for (let i = 0; i < n; i++) if (!keep.has(`f${i}`)) doomed.push(`f${i}`);
      for (let s = 0; s < doomed.length; s += 5000) await vx.collection('fmnist').delete(doomed.slice(s, s + 5000));
      const t = now();
      const r = await vx.compact();
      const ms = now() - t;
      await vx.close();
      const fresh = backend === 'sqlite-vec' ? await openLite('fresh.db') : await openPg();
      await load(fresh, survivors);
      const fc = await fresh.compact(); // bytesBefore: as written; bytesAfter: compacted too (the tightest)
      await fresh.close();
      results.compaction.push({
        backend,
        bytesBefore: r.bytesBefore,
        bytesAfter: r.bytesAfter,
        freshWritten: fc.bytesBefore,
        freshBytes: fc.bytesAfter,
        ms,
        survivors: survivors.length,
      });
    }

    // ---- copy sqlite-vec -> pgvector ----------------------------------------------------------
    log('copy: loading the sqlite-vec source ...');
    const src = await openLite('source.db');
    await load(src);
    const dst = await openPg();
    let t = now();
    const report = await src.copyTo(dst, { batchSize: opts.batch });
    const copyMs = now() - t;
    await src.close();
    await dst.close();
    log('copy: vecdex upsert from memory ...');
    const direct = await openPg();
    const upsertMs = await load(direct);
    await direct.close();
    log('copy: raw COPY ...');
    await pool.query('DROP TABLE IF EXISTS bench_lifecycle_raw');
    await pool.query(`CREATE TABLE bench_lifecycle_raw (id text PRIMARY KEY, embedding vector(${DIMENSIONS}), metadata jsonb)`);
    const client = await pool.connect();
    t = now();
    try {
      for (let s = 0; s < n; s += opts.batch) {
        const lines = [];
        for (let i = s; i < Math.min(n, s + opts.batch); i++) {
          lines.push(`f${i}\t[${Array.prototype.join.call(row(data.base, i), ',')}]\t{"label": ${data.baseLabels[i]}}\n`);
        }
        await pipeline(
          Readable.from(lines),
          client.query(copyStreams.from('COPY bench_lifecycle_raw (id, embedding, metadata) FROM STDIN')),
        );
      }
    } finally {
      client.release();
    }
    const rawMs = now() - t;
    await pool.query('DROP TABLE bench_lifecycle_raw');
    const ips = (ms) => Math.round(n / (ms / 1000));
    results.copy = [
      {
        variant: 'vecdex copy sqlite-vec -> pgvector (read, write, checkpoint, verify)',
        ms: copyMs,
        itemsPerSecond: ips(copyMs),
        sampled: report.collections[0]?.sampled,
      },
      { variant: 'vecdex upsert into pgvector from memory (write side alone)', ms: upsertMs, itemsPerSecond: ips(upsertMs) },
      { variant: 'raw COPY FROM STDIN (pg-copy-streams), no change feed', ms: rawMs, itemsPerSecond: ips(rawMs) },
    ];
  } finally {
    for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`).catch(() => undefined);
    await pool.end();
    fs.rmSync(tmp, { recursive: true, force: true });
    server.stop();
  }
  results.machine.loadavgAfter = os.loadavg().map((x) => Number(x.toFixed(2)));
  if (opts.json) {
    console.log(JSON.stringify(results, null, 2));
    return;
  }
  const ch = [
    'backend',
    'items',
    'kept',
    'MiB before',
    'MiB after compact',
    'MiB fresh (as written)',
    'MiB fresh (compacted)',
    'after / fresh compacted',
    'compact s',
  ];
  const cr = results.compaction.map((c) => [
    c.backend,
    String(n),
    String(c.survivors),
    mib(c.bytesBefore),
    mib(c.bytesAfter),
    mib(c.freshWritten),
    mib(c.freshBytes),
    `${(c.bytesAfter / c.freshBytes).toFixed(2)}x`,
    (c.ms / 1000).toFixed(1),
  ]);
  const base = results.copy[2].itemsPerSecond;
  const ph = ['copy of Fashion-MNIST into pgvector', 'seconds', 'items/s', 'vs raw COPY'];
  const pr = results.copy.map((c) => [
    c.variant,
    (c.ms / 1000).toFixed(1),
    String(c.itemsPerSecond),
    `${(c.itemsPerSecond / base).toFixed(2)}x`,
  ]);
  const table = opts.markdown ? markdownTable : textTable;
  console.log(
    `Fashion-MNIST ${n} x ${DIMENSIONS}, ${results.machine.cores} cores, load average ${results.machine.loadavg.join(' ')} (after: ${results.machine.loadavgAfter.join(' ')})\n`,
  );
  console.log(`${table(ch, cr)}\n`);
  console.log(table(ph, pr));
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    loadavg: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
}

function parseArgs(argv) {
  const o = { base: 60_000, batch: 1000, json: false, markdown: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') o.json = true;
    else if (a === '--markdown') o.markdown = true;
    else if (a === '--base') o.base = Number(argv[++i]);
    else if (a === '--batch') o.batch = Number(argv[++i]);
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
