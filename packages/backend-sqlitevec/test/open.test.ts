import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPlugin, isVecdexError } from '@vecdex/core';
import plugin, { APPLICATION_ID, SCHEMA_VERSION, createSqliteVecBackend } from '../src/index.js';
import { codeOf, item, makeTempDir, rawDb, removeDir, spec } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = makeTempDir();
});
afterAll(() => removeDir(dir));

/** The files in `dir` whose names start with `base` (the db plus any -wal/-shm). */
function siblings(file: string): string[] {
  return fs.readdirSync(path.dirname(file)).filter((f) => f.startsWith(path.basename(file)));
}

describe('opening a store', () => {
  it('keeps everything across close and reopen', async () => {
    const file = path.join(dir, 'persist.db');
    const b = await createSqliteVecBackend({ path: file });
    await b.createCollection(spec('docs', 3, 'cosine'));
    await b.upsert('docs', [item('a', [1, 2, 3], { k: 'v' }, 'text'), item('b', [3, 2, 1])]);
    await b.delete('docs', ['b']);
    await b.createIndexDefinition({ name: 'i', plugin: 'p', collections: ['docs'], params: {}, createdAt: 1 });
    const head = await b.headCursor();
    await b.close();
    expect(siblings(file)).toEqual(['persist.db']); // the WAL was checkpointed and removed on close

    const again = await createSqliteVecBackend({ path: file });
    expect((await again.listCollections()).map((c) => c.name)).toEqual(['docs']);
    expect(await again.get('docs', ['a', 'b'])).toMatchObject([
      { id: 'a', content: 'text', metadata: { k: 'v' }, vector: new Float32Array([1, 2, 3]) },
    ]);
    expect(await again.headCursor()).toBe(head);
    const feed = await again.readChanges({ collections: ['docs'], after: null, limit: 10 });
    expect(feed.changes.map((c) => `${c.id}:${c.op}`)).toEqual(['a:upsert', 'b:delete']);
    expect(await again.getIndexDefinition('i')).not.toBeNull();
    const hits = await again.searchExact({ collections: ['docs'], vector: new Float32Array([1, 2, 3]), k: 5, metric: 'cosine' });
    expect(hits.map((h) => h.id)).toEqual(['a']);
    await again.upsert('docs', [item('c', [1, 1, 1])]);
    await again.close();
  });

  it('marks the file as a vecdex store in WAL mode', async () => {
    const file = path.join(dir, 'pragmas.db');
    const b = await createSqliteVecBackend({ path: file });
    const raw = rawDb(file);
    expect(raw.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    await b.close();
  });

  it('refuses a file that is not SQLite, and leaves it byte for byte as it was', async () => {
    for (const [name, bytes] of [
      ['text.db', Buffer.from('hello, this is a text file\n'.repeat(200))],
      ['fake-header.db', Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(4096, 0xab)])],
    ] as const) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, bytes);
      const err = await createSqliteVecBackend({ path: file }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isVecdexError(err, 'STORE_CORRUPT')).toBe(true);
      expect((err as Error).message).toContain(file);
      expect((err as Error).message).toMatch(/not a vecdex store/);
      expect(fs.readFileSync(file).equals(bytes)).toBe(true);
      expect(siblings(file)).toEqual([name]);
    }
  });

  it("refuses another application's SQLite database without touching it", async () => {
    const file = path.join(dir, 'foreign.db');
    const raw = rawDb(file);
    raw.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    raw.pragma('application_id = 42');
    raw.close();
    const before = fs.readFileSync(file);
    expect(await codeOf(createSqliteVecBackend({ path: file }))).toBe('STORE_CORRUPT');
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses a store written by a newer schema, saying to upgrade', async () => {
    const file = path.join(dir, 'newer.db');
    await (await createSqliteVecBackend({ path: file })).close();
    const raw = rawDb(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    await expect(createSqliteVecBackend({ path: file })).rejects.toMatchObject({
      code: 'STORE_SCHEMA_TOO_NEW',
      message: expect.stringMatching(/upgrade @vecdex\/backend-sqlitevec/),
    });
  });

  it('turns an empty file into a store and creates missing directories', async () => {
    const empty = path.join(dir, 'empty.db');
    fs.writeFileSync(empty, '');
    await (await createSqliteVecBackend({ path: empty })).close();
    const nested = path.join(dir, 'a', 'b', 'nested.db');
    const b = await createSqliteVecBackend({ path: nested });
    await b.createCollection(spec('x', 2));
    await b.close();
    expect(fs.existsSync(nested)).toBe(true);
  });

  it('works in memory', async () => {
    const b = await createSqliteVecBackend({ path: ':memory:' });
    await b.createCollection(spec('m', 2, 'ip'));
    await b.upsert('m', [item('a', [1, 2]), item('b', [-1, 0])]);
    const hits = await b.searchExact({ collections: ['m'], vector: new Float32Array([1, 1]), k: 2, metric: 'ip' });
    expect(hits).toEqual([
      { collection: 'm', id: 'a', distance: -3 },
      { collection: 'm', id: 'b', distance: 1 },
    ]);
    await b.close();
  });

  it('waits busyTimeoutMs for another writer, then fails with a clear error; reads never wait', async () => {
    const file = path.join(dir, 'busy.db');
    const b = await createSqliteVecBackend({ path: file, busyTimeoutMs: 50 });
    await b.createCollection(spec('c', 2));
    await b.upsert('c', [item('a', [1, 1])]);
    const other = rawDb(file);
    other.exec('BEGIN IMMEDIATE');
    try {
      const started = Date.now();
      await expect(b.upsert('c', [item('b', [1, 1])])).rejects.toMatchObject({
        code: 'BACKEND_FAILURE',
        message: expect.stringMatching(/locked by another connection/),
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(40);
      expect(await b.count('c')).toBe(1);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    await b.upsert('c', [item('b', [1, 1])]);
    expect(await b.count('c')).toBe(2);
    await b.close();
  });

  it('opens read-only: reads work, writes are refused', async () => {
    const file = path.join(dir, 'ro.db');
    const w = await createSqliteVecBackend({ path: file });
    await w.createCollection(spec('c', 2));
    await w.upsert('c', [item('a', [1, 1])]);
    await w.close();
    const ro = await createSqliteVecBackend({ path: file, readonly: true });
    expect(await ro.count('c')).toBe(1);
    expect(await codeOf(ro.upsert('c', [item('b', [1, 1])]))).toBe('NOT_SUPPORTED');
    expect(await codeOf(ro.createCollection(spec('d', 2)))).toBe('NOT_SUPPORTED');
    await ro.close();
    expect(await codeOf(createSqliteVecBackend({ path: path.join(dir, 'absent.db'), readonly: true }))).toBe('NOT_SUPPORTED');
  });
});

describe('plugin', () => {
  it('is a backend plugin named sqlitevec', () => {
    expect(isPlugin(plugin)).toBe(true);
    expect(plugin.kind).toBe('backend');
    expect(plugin.name).toBe('sqlitevec');
  });

  it('reads VECDEX_SQLITE_PATH', () => {
    expect(plugin.optionsFromEnv?.({ VECDEX_SQLITE_PATH: 'data/x.db' })).toEqual({ path: 'data/x.db' });
    expect(plugin.optionsFromEnv?.({})).toEqual({});
  });

  it('resolves relative paths against the base directory and declares its capabilities', async () => {
    const b = await plugin.create({ path: 'rel/store.db' }, { baseDir: dir });
    expect(fs.existsSync(path.join(dir, 'rel', 'store.db'))).toBe(true);
    expect(b.capabilities).toMatchObject({
      metrics: ['cosine', 'l2', 'l1', 'ip'],
      maxDimensions: 8192,
      filters: true,
      fullText: true,
      concurrentWriters: false,
      nativeIndexes: [],
    });
    await b.close();
  });

  it('refuses options of the wrong type', async () => {
    expect(await codeOf(plugin.create({ path: 42 } as never, { baseDir: dir }))).toBe('CONFIG_INVALID');
    expect(await codeOf(plugin.create({ busyTimeoutMs: -1 }, { baseDir: dir }))).toBe('CONFIG_INVALID');
    expect(await codeOf(plugin.create({ clock: 'now' } as never, { baseDir: dir }))).toBe('CONFIG_INVALID');
    expect(await codeOf(plugin.create({ exactSearchMemoryBytes: -1 }, { baseDir: dir }))).toBe('CONFIG_INVALID');
    expect(await codeOf(plugin.create({ exactSearchMemoryBytes: '1GB' } as never, { baseDir: dir }))).toBe('CONFIG_INVALID');
  });
});
