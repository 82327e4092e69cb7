/**
 * `vecdex import-llm`: a simonw/llm embeddings database, built here with the schema llm's own
 * migrations (llm/embeddings_migrations.py, m001–m005) leave, comes in with the same collections,
 * ids, vectors (bit for bit), content, metadata and model; a re-run writes only what changed.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, assertBuilt, tempProject, vecdex, vecdexOk } from './run-vecdex.js';

// The schema after llm's migrations m001–m005 (sqlite-utils' create + transform).
const SCHEMA = `
CREATE TABLE [collections] ([id] INTEGER PRIMARY KEY, [name] TEXT, [model] TEXT);
CREATE UNIQUE INDEX [idx_collections_name] ON [collections] ([name]);
CREATE TABLE "embeddings" (
   [collection_id] INTEGER REFERENCES [collections]([id]),
   [id] TEXT,
   [embedding] BLOB,
   [content] TEXT,
   [content_blob] BLOB,
   [content_hash] BLOB,
   [metadata] TEXT,
   [updated] INTEGER,
   PRIMARY KEY ([collection_id], [id])
);
CREATE INDEX [idx_embeddings_content_hash] ON [embeddings] ([content_hash]);
`;

const blob = (v: number[]) => Buffer.from(new Float32Array(v).buffer);
const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest();

describe('vecdex import-llm', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let dbFile: string;
  // biome-ignore lint/suspicious/noExplicitAny: better-sqlite3 used untyped in this test
  let Database: any;

  beforeAll(async () => {
    assertBuilt();
    ({ dir, cleanup } = await tempProject());
    await vecdexOk(dir, ['init']);
    Database = createRequire(BIN)('better-sqlite3');
    dbFile = path.join(dir, 'embeddings.db');
    const db = new Database(dbFile);
    db.exec(SCHEMA);
    db.prepare('INSERT INTO collections (id, name, model) VALUES (?, ?, ?)').run(
      1,
      'notes',
      'sentence-transformers/all-MiniLM-L6-v2',
    );
    db.prepare('INSERT INTO collections (id, name, model) VALUES (?, ?, ?)').run(2, 'photos', 'clip');
    const put = db.prepare(
      'INSERT INTO embeddings (collection_id, id, embedding, content, content_hash, metadata, updated) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    put.run(1, 'a.md', blob([0.1, 0.2, 0.3, 1e-40]), 'alpha note', md5('alpha note'), '{"tag": "x"}', 1700000000);
    put.run(1, 'b.md', blob([-0.5, 0, 0.25, 1]), 'beta note', md5('beta note'), null, 1700000001);
    put.run(1, 'c.md', blob([1, 1, 1, 1]), null, md5('random'), null, 1700000002);
    put.run(2, 'p1.jpg', blob([0, 1]), null, md5('p1'), '{"w": 640}', 1700000003);
    db.close();
  });
  afterAll(() => cleanup());

  it('imports every collection with ids, vectors bit for bit, content, metadata and model', async () => {
    const r = await vecdexOk(dir, ['import-llm', dbFile]);
    expect(r.stdout).toMatch(
      /notes: 3 rows \(sentence-transformers\/all-MiniLM-L6-v2, 4 dims\), created: 3 written, 0 unchanged/,
    );
    expect(r.stdout).toMatch(/photos: 1 rows \(clip, 2 dims\), created: 1 written, 0 unchanged/);
    const info = JSON.parse((await vecdexOk(dir, ['collections', 'info', 'notes', '--json'])).stdout);
    expect(info).toMatchObject({ dimensions: 4, metric: 'cosine', model: 'sentence-transformers/all-MiniLM-L6-v2', count: 3 });
    const a = JSON.parse((await vecdexOk(dir, ['get', 'notes', 'a.md', '--vector', '--json'])).stdout);
    expect(a).toMatchObject({ id: 'a.md', content: 'alpha note', metadata: { tag: 'x' } });
    expect(Buffer.from(new Float32Array(a.vector).buffer)).toEqual(blob([0.1, 0.2, 0.3, 1e-40]));
    const c = JSON.parse((await vecdexOk(dir, ['get', 'notes', 'c.md', '--json'])).stdout);
    expect(c.content).toBeNull();
  });

  it('a re-run writes only the rows that changed, and --collection picks collections', async () => {
    const db = new Database(dbFile);
    db.prepare('UPDATE embeddings SET content = ?, content_hash = ?, embedding = ? WHERE id = ?').run(
      'beta, edited',
      md5('beta, edited'),
      blob([0, 0, 1, 0]),
      'b.md',
    );
    db.prepare('INSERT INTO embeddings (collection_id, id, embedding, content, content_hash) VALUES (1, ?, ?, ?, ?)').run(
      'd.md',
      blob([0, 1, 0, 0]),
      'delta',
      md5('delta'),
    );
    db.close();
    const r = await vecdexOk(dir, ['import-llm', dbFile, '--collection', 'notes', '--json']);
    const out = JSON.parse(r.stdout);
    expect(out.collections).toEqual([
      expect.objectContaining({ collection: 'notes', rows: 4, written: 2, unchanged: 2, created: false }),
    ]);
    const b = JSON.parse((await vecdexOk(dir, ['get', 'notes', 'b.md', '--json'])).stdout);
    expect(b.content).toBe('beta, edited');
    const again = JSON.parse((await vecdexOk(dir, ['import-llm', dbFile, '--json'])).stdout);
    expect(again.collections.map((x: { written: number }) => x.written)).toEqual([0, 0]);
  });

  it('refuses what is not an llm database, an unknown collection, and a model mismatch', async () => {
    const notLlm = await vecdex(dir, ['import-llm', path.join(dir, 'vecdex.db')]);
    expect(notLlm.code).toBe(1);
    expect(notLlm.stderr).toMatch(/is not an llm embeddings database/);
    const unknown = await vecdex(dir, ['import-llm', dbFile, '--collection', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/has no collection "nope"/);
    const db = new Database(dbFile);
    db.prepare('UPDATE collections SET model = ? WHERE name = ?').run('other-model', 'photos');
    db.close();
    const mismatch = await vecdex(dir, ['import-llm', dbFile, '--collection', 'photos']);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toMatch(/exists with 2 dimensions and model clip; the llm collection has 2 and other-model/);
  });
});
