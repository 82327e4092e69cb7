/**
 * The change token skips `PRAGMA data_version` while the WAL-index header in the `-shm` file is
 * unchanged. These tests commit from other processes (each `commitFromChild` is a new Node
 * process with its own better-sqlite3 connection) and check that the very next token differs,
 * including across a WAL restart (checkpoint, truncate, write), and that the watch itself only
 * says "unchanged" when nothing was committed.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createSqliteVecBackend, type SqliteVecBackend } from '../src/index.js';
import { WalHeaderWatch } from '../src/wal-header-watch.js';
import { item, makeTempDir, rawDb, removeDir, spec } from './helpers.js';

const betterSqlite3 = createRequire(import.meta.url).resolve('better-sqlite3');

let dir: string;
const open: SqliteVecBackend[] = [];
beforeAll(() => {
  dir = makeTempDir();
});
afterAll(() => removeDir(dir));
afterEach(async () => {
  for (const b of open.splice(0)) await b.close();
});

/** Run `sql` in a new process on `file`, committed before this returns. */
function commitFromChild(file: string, sql: string): void {
  const script = `const D = require(${JSON.stringify(betterSqlite3)}); const db = new D(process.argv[1]); db.exec(process.argv[2]); db.close();`;
  execFileSync(process.execPath, ['-e', script, file, sql], { stdio: 'pipe' });
}

it('changes the token at the first call after every commit from another process, and only then', async () => {
  const file = path.join(dir, 'processes.db');
  const a = await createSqliteVecBackend({ path: file });
  open.push(a);
  await a.createCollection(spec('docs', 2, 'l2'));
  let token = await a.changeToken();
  const seen = new Set([token]);
  for (let round = 0; round < 6; round++) {
    // Reads, however many, move nothing.
    for (let i = 0; i < 5; i++) expect(await a.changeToken()).toBe(token);
    await a.getCollection('docs');
    expect(await a.changeToken()).toBe(token);
    const sql =
      round === 3
        ? // A WAL restart: everything checkpointed and the WAL truncated, then a write starts it over.
          `PRAGMA wal_checkpoint(TRUNCATE); UPDATE vecdex_collections SET model = 'm${round}' WHERE name = 'docs';`
        : `UPDATE vecdex_collections SET model = 'm${round}' WHERE name = 'docs';`;
    commitFromChild(file, sql);
    const next = await a.changeToken();
    expect(seen.has(next)).toBe(false);
    seen.add(next);
    token = next;
    expect((await a.getCollection('docs'))?.model).toBe(`m${round}`);
  }
});

it("changes the token for this connection's own writes and for another connection's in this process", async () => {
  const file = path.join(dir, 'own.db');
  const a = await createSqliteVecBackend({ path: file });
  const b = await createSqliteVecBackend({ path: file });
  open.push(a, b);
  await a.createCollection(spec('docs', 2, 'l2'));
  const t0 = await a.changeToken();
  expect(await a.changeToken()).toBe(t0);
  await a.upsert('docs', [item('x', [1, 2])]);
  const t1 = await a.changeToken();
  expect(t1).not.toBe(t0);
  expect(await a.changeToken()).toBe(t1);
  await b.upsert('docs', [item('y', [2, 1])]);
  const t2 = await a.changeToken();
  expect(t2).not.toBe(t1);
  expect(await a.changeToken()).toBe(t2);
});

it('the watch says unchanged only between commits, and needs a header it has seen before', async () => {
  const file = path.join(dir, 'watch.db');
  const store = await createSqliteVecBackend({ path: file });
  open.push(store);
  await store.createCollection(spec('docs', 2, 'l2'));
  const watch = WalHeaderWatch.open(file);
  expect(watch).not.toBeNull();
  if (watch === null) return;
  try {
    expect(watch.unchanged()).toBe(false); // nothing seen yet
    expect(watch.unchanged()).toBe(true);
    expect(watch.unchanged()).toBe(true);
    commitFromChild(file, `UPDATE vecdex_collections SET model = 'w' WHERE name = 'docs';`);
    expect(watch.unchanged()).toBe(false);
    expect(watch.unchanged()).toBe(true);
    const raw = rawDb(file);
    try {
      raw.prepare('SELECT count(*) FROM vecdex_collections').get(); // a read commits nothing
      expect(watch.unchanged()).toBe(true);
      raw.prepare(`UPDATE vecdex_collections SET model = 'v' WHERE name = 'docs'`).run();
      expect(watch.unchanged()).toBe(false);
    } finally {
      raw.close();
    }
    watch.close();
    expect(watch.unchanged()).toBe(false); // closed: always "ask SQLite"
  } finally {
    watch.close();
  }
});

it('is not used without a -shm file, and the token still moves', async () => {
  expect(WalHeaderWatch.open(path.join(dir, 'missing.db'))).toBeNull();
  const memory = await createSqliteVecBackend({ path: ':memory:' });
  open.push(memory);
  await memory.createCollection(spec('docs', 2, 'l2'));
  const t0 = await memory.changeToken();
  expect(await memory.changeToken()).toBe(t0);
  await memory.upsert('docs', [item('x', [1, 2])]);
  expect(await memory.changeToken()).not.toBe(t0);
});
