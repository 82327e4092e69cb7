#!/usr/bin/env node
// What reading a search's hits from the sqlite-vec store costs: the backend's `get` of 10 ids
// (what a query with the default `include` pays after the index search) beside bare
// better-sqlite3 statements over the same rows of the same file, so the part that is SQLite's
// own is visible.
//
//   node bench/hit-read.mjs [--items 60000] [--content-bytes 0] [--calls 5000] [--rounds 6]
//
// A store of --items items (16-d vectors; metadata { label, source }; content of about
// --content-bytes characters, none by default, like the Fashion-MNIST benchmark) is made with
// the backend in a temp directory. Then each variant reads 10 random ids per call, --calls calls,
// the variants interleaved and their order rotating for --rounds rounds (best round counts).
// The bare statements run on their own read-only connection with the same mmap as the backend.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSqliteVecBackend } from '@vecdex/backend-sqlitevec';
import Database from 'better-sqlite3';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const N = arg('--items', 60_000);
const CONTENT = arg('--content-bytes', 0);
const CALLS = arg('--calls', 5000);
const ROUNDS = arg('--rounds', 6);
const D = 16;
const K = 10;

let seed = 11;
const rand = () => {
  seed = (seed * 48271) % 2147483647;
  return seed / 2147483647;
};
const words = 'the of and to in is that for it as with was on be by this are or from at an'.split(' ');
const text = (i) => {
  let t = '';
  while (t.length < CONTENT) t += `${words[(i * 7 + t.length) % words.length]} `;
  return t;
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-hit-read-'));
const file = path.join(tmp, 'store.db');
try {
  const b = await createSqliteVecBackend({ path: file });
  await b.createCollection({ name: 'c', dimensions: D, metric: 'l2', model: null });
  for (let s = 0; s < N; s += 1000) {
    const items = [];
    for (let i = s; i < Math.min(N, s + 1000); i++) {
      const vector = Float32Array.from({ length: D }, rand);
      items.push({
        id: `doc-${i}`,
        vector,
        metadata: { label: i % 10, source: `file-${i % 300}.md` },
        content: CONTENT > 0 ? text(i) : null,
      });
    }
    await b.upsert('c', items);
  }
  const db = new Database(file, { readonly: true });
  db.pragma('mmap_size = 268435456');
  const cid = db.prepare('SELECT cid FROM vecdex_collections WHERE name = ?').pluck().get('c');
  const rowidOf = new Map(db.prepare('SELECT id, rowid FROM vecdex_items WHERE cid = ?').raw().all(cid));
  const idSets = Array.from({ length: CALLS }, () => Array.from({ length: K }, () => `doc-${Math.floor(rand() * N)}`));
  const rowidSets = idSets.map((ids) => ids.map((id) => BigInt(rowidOf.get(id))));
  const json = idSets.map((ids) => JSON.stringify(ids));
  const q = Array(K).fill('?').join(', ');
  const ALL = 'rowid, id, content, metadata, content_hash, modified, vector_exp, vector_exact';
  const FIVE = 'id, content, metadata, content_hash, modified';
  const tx = db.transaction((fn) => fn());
  const stmt = (sql, raw = true) => (raw ? db.prepare(sql).raw() : db.prepare(sql));
  const s = {
    all: stmt(`SELECT ${ALL} FROM vecdex_items WHERE cid = ? AND id IN (SELECT value FROM json_each(?))`, false),
    allRaw: stmt(`SELECT ${ALL} FROM vecdex_items WHERE cid = ? AND id IN (SELECT value FROM json_each(?))`),
    five: stmt(`SELECT ${FIVE} FROM vecdex_items WHERE cid = ? AND id IN (SELECT value FROM json_each(?))`),
    joined: stmt(
      'SELECT i.id, NULL, i.metadata, i.content_hash, i.modified FROM vecdex_collections c CROSS JOIN vecdex_items i WHERE c.name = ? AND i.cid = c.cid AND i.id IN (SELECT value FROM json_each(?))',
    ),
    inList: stmt(`SELECT ${FIVE} FROM vecdex_items WHERE cid = ? AND id IN (${q})`),
    idMeta: stmt('SELECT id, metadata FROM vecdex_items WHERE cid = ? AND id IN (SELECT value FROM json_each(?))'),
    idOnly: stmt('SELECT id FROM vecdex_items WHERE cid = ? AND id IN (SELECT value FROM json_each(?))'),
    byRowid: stmt(`SELECT id, metadata FROM vecdex_items WHERE rowid IN (${q})`),
    point: stmt('SELECT id, metadata FROM vecdex_items WHERE cid = ? AND id = ?'),
    collection: stmt(
      'SELECT cid, name, dimensions, metric, model, default_index, created_at, filterable FROM vecdex_collections WHERE name = ?',
      false,
    ),
  };
  const parse = (rows, at) => {
    for (const r of rows) if (r[at] !== null) JSON.parse(r[at]);
  };
  const variants = {
    'backend.get, as a search hit asks (vectors: false, content: false)': (i) =>
      b.get('c', idSets[i], { vectors: false, content: false }),
    'backend.get, vectors: false': (i) => b.get('c', idSets[i], { vectors: false }),
    'bare: 8 columns as row objects (the statement get ran before 075c91f)': (i) => s.all.all(cid, json[i]),
    'bare: 8 columns as arrays': (i) => s.allRaw.all(cid, json[i]),
    'bare: 5 columns as arrays': (i) => s.five.all(cid, json[i]),
    'bare: 5 columns, IN (?, …) of 10 instead of json_each': (i) => s.inList.all(cid, ...idSets[i]),
    'bare: joined to the collection by name, no content (what get runs now)': (i) => s.joined.all('c', json[i]),
    'bare: id, metadata + JSON.parse (the raw +rows yardstick)': (i) => parse(s.idMeta.all(cid, json[i]), 1),
    'bare: id only (the (cid, id) index alone)': (i) => s.idOnly.all(cid, json[i]),
    'bare: id, metadata by rowid (one B-tree instead of two)': (i) => s.byRowid.all(...rowidSets[i]),
    'bare: 10 point selects, each its own read transaction': (i) => {
      for (const id of idSets[i]) s.point.get(cid, id);
    },
    'bare: 10 point selects in one read transaction': (i) =>
      tx.deferred(() => {
        for (const id of idSets[i]) s.point.get(cid, id);
      }),
    'bare: the collection row by name, in a read transaction': () => tx.deferred(() => s.collection.get('c')),
  };
  const names = Object.keys(variants);
  const best = Object.fromEntries(names.map((n) => [n, Number.POSITIVE_INFINITY]));
  for (let r = 0; r < ROUNDS; r++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(j + r) % names.length];
      const fn = variants[name];
      for (let i = 0; i < 200; i++) await fn(i);
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < CALLS; i++) await fn(i);
      best[name] = Math.min(best[name], Number(process.hrtime.bigint() - t0) / 1e3 / CALLS);
    }
  }
  db.close();
  await b.close();
  console.log(
    `hit-read: ${N.toLocaleString('en')} items, content ${CONTENT} chars, ${K} random ids per call, ${CALLS} calls × ${ROUNDS} rounds interleaved (best); Node ${process.version}, load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}\n`,
  );
  console.log('| read of 10 hits | µs per call |');
  console.log('|---|---:|');
  for (const n of names) console.log(`| ${n} | ${best[n].toFixed(1)} |`);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
