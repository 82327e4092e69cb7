#!/usr/bin/env node
// Why exact search on sqlite-vec can be 2x slower than it needs to be: how vec0's KNN reads its
// vector chunks, with the WAL as ingest left it, after a checkpoint, and with mmap.
//
//   node bench/vec0-read-path.mjs [--sizes 5000,100000] [--queries 200]
//
// vec0 reads each chunk of vectors (1,024 x dim float32, one BLOB spanning many overflow pages)
// through SQLite's blob API. SQLite reads overflow pages that are in the database file (not in
// the WAL) straight from the file with one pread() per page, bypassing its page cache
// (SQLITE_DIRECT_OVERFLOW_READ, on by default). So once a checkpoint has moved the pages into the
// database file, every query pays ~dim/8 system calls per 1,024 vectors; with `PRAGMA mmap_size`
// large enough for the file those reads become memory reads.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const sizes = arg('--sizes', '5000,100000').split(',').map(Number);
const nq = Number(arg('--queries', '200'));
const dim = 128;

let seed = 7;
const rand = () => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
};
const blob = (v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

const rows = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-vec0-read-'));
try {
  for (const n of sizes) {
    const file = path.join(tmp, `v${n}.db`);
    const db = new Database(file);
    sqliteVec.load(db);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`CREATE VIRTUAL TABLE v USING vec0(embedding float[${dim}] distance_metric=l2)`);
    const insert = db.prepare('INSERT INTO v (rowid, embedding) VALUES (?, ?)');
    const batch = db.transaction((start, end) => {
      for (let i = start; i < end; i++) insert.run(BigInt(i + 1), blob(Float32Array.from({ length: dim }, rand)));
    });
    for (let s = 0; s < n; s += 1000) batch.immediate(s, Math.min(s + 1000, n));
    const queries = Array.from({ length: nq }, () => blob(Float32Array.from({ length: dim }, rand)));
    const knn = db.prepare('SELECT rowid, distance FROM v WHERE embedding MATCH ? AND k = 10');
    const measure = (state) => {
      for (let i = 0; i < Math.min(10, nq); i++) knn.all(queries[i]);
      const c = process.cpuUsage();
      const t = performance.now();
      for (const q of queries) knn.all(q);
      const ms = (performance.now() - t) / nq;
      const u = process.cpuUsage(c);
      rows.push({ n, state, ms, userMs: u.user / 1000 / nq, sysMs: u.system / 1000 / nq });
    };
    measure('as ingest left it (autocheckpoints only)');
    db.pragma('wal_checkpoint(TRUNCATE)');
    measure('after wal_checkpoint(TRUNCATE)');
    db.pragma(`mmap_size = ${2 ** 30}`);
    measure('checkpointed + mmap_size = 1 GiB');
    db.close();
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

console.log(`vec0 KNN (k=10, ${dim} dims, ${nq} queries): time per query by where the vector pages are read from\n`);
const header = ['n', 'state', 'ms/query', 'user ms', 'system ms'];
const cells = rows.map((r) => [r.n.toLocaleString('en'), r.state, r.ms.toFixed(3), r.userMs.toFixed(3), r.sysMs.toFixed(3)]);
const w = header.map((_, c) => Math.max(header[c].length, ...cells.map((l) => l[c].length)));
const line = (l) => l.map((s, c) => (c === 1 ? s.padEnd(w[c]) : s.padStart(w[c]))).join('  ');
console.log(line(header));
console.log(w.map((x) => '-'.repeat(x)).join('  '));
for (const l of cells) console.log(line(l));
