import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IndexChange } from '../src/index.js';
import {
  GenerationFiles,
  LabelMap,
  PendingChanges,
  catalogState,
  checkCatalog,
  decodeChanges,
  encodeChanges,
  type IndexManifest,
} from '../src/plugin-kit/index.js';
import { cleanup, tempDir } from './helpers.js';

afterEach(cleanup);

const DIMS = 3;
const FILES = new GenerationFiles({ format: 'vecdex-test', formatVersion: 1, extension: 'bin', library: 'testlib' });
const EXPECT = {
  definition: { name: 'ix', createdAt: 7 },
  metric: 'l2',
  dimensions: DIMS,
  structural: {},
};

const up = (id: string, ...v: number[]): IndexChange => ({ op: 'upsert', collection: 'docs', id, vector: Float32Array.from(v) });
const del = (id: string): IndexChange => ({ op: 'delete', collection: 'docs', id });

function fields(labels: LabelMap, cursor: string) {
  return {
    definition: EXPECT.definition,
    metric: 'l2',
    dimensions: DIMS,
    params: {},
    items: labels.live,
    deleted: labels.free,
    cursor,
  };
}

/** A directory with one whole generation: labels a, b, c, and a native file of 16 bytes. */
async function savedDirectory() {
  const directory = await tempDir('vecdex-journal-');
  const labels = new LabelMap();
  for (const id of ['a', 'b', 'c']) labels.assignNext('docs', id);
  const manifest = await FILES.save(directory, {
    generation: 1,
    labels,
    fields: fields(labels, '10'),
    write: (file) => writeFile(file, Buffer.alloc(16, 1)),
  });
  return { directory, labels, manifest };
}

describe('change journal bytes', () => {
  it('round-trips batches of upserts and deletes, in order, with their boundaries and any UTF-8 id', () => {
    const batches = [[up('a', 1, 2, 3), del('b'), up('é/ü 🚀', -0.5, 1e-30, 3.25)], [], [del('zz')]];
    const decoded = decodeChanges(encodeChanges(batches, DIMS), DIMS);
    expect(decoded).toEqual(batches);
    expect(decoded[0]?.[0]).toMatchObject({ op: 'upsert', vector: Float32Array.from([1, 2, 3]) });
  });

  it('refuses bytes it did not write, saying why, instead of returning changes', () => {
    const good = encodeChanges([[up('a', 1, 2, 3), del('b')]], DIMS);
    expect(() => decodeChanges(good, 4)).toThrow(/dimensions/);
    expect(() => decodeChanges(Buffer.from('not a journal at all'), DIMS)).toThrow(/not a vecdex change journal/);
    expect(() => decodeChanges(good.subarray(0, good.length - 3), DIMS)).toThrow(/past the end|cannot fit/);
    const huge = Buffer.from(good);
    huge.writeUInt32LE(0xffffffff, 8);
    expect(() => decodeChanges(huge, DIMS)).toThrow(/cannot fit/);
    const badOp = Buffer.from(good);
    badOp.writeUInt8(9, 12);
    expect(() => decodeChanges(badOp, DIMS)).toThrow(/unknown op 9/);
    const longId = Buffer.from(good);
    longId.writeUInt32LE(1 << 30, 12 + 1);
    expect(() => decodeChanges(longId, DIMS)).toThrow(/past the end/);
  });
});

describe('GenerationFiles journals', () => {
  it('appends changes beside the whole files; verify returns them in order and checks counts before and after', async () => {
    const { directory, labels, manifest } = await savedDirectory();
    expect(manifest.base).toMatchObject({ items: 3, deleted: 0 });
    // The in-memory index moves on: d added, a deleted.
    labels.assignNext('docs', 'd');
    labels.release('docs', 'a');
    const data = encodeChanges([[up('d', 1, 1, 1)], [del('a')]], DIMS);
    const m2 = await FILES.appendJournal(directory, {
      manifest,
      changes: { data, count: 2, seconds: 0.01 },
      fields: fields(labels, '12'),
    });
    expect(m2).not.toBeNull();
    const journal = (m2 as IndexManifest).journal ?? [];
    expect(journal).toHaveLength(1);
    expect(journal[0]?.name).toMatch(/^journal\.1\.1-[0-9a-f]{8}\.bin$/);
    expect((m2 as IndexManifest).files).toEqual(manifest.files); // the whole files were not rewritten
    // A cursor-only save lists no new file.
    const m3 = await FILES.appendJournal(directory, {
      manifest: m2 as IndexManifest,
      changes: null,
      fields: fields(labels, '13'),
    });
    expect(m3?.journal).toHaveLength(1);
    expect(m3?.cursor).toBe('13');

    const v = await FILES.verify(directory, { expect: EXPECT, catalog: catalogState(m3 as IndexManifest) });
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.labels.live).toBe(3); // the label map file: before the journal
    expect(v.manifest.items).toBe(3);
    expect(v.journal.map((b) => decodeChanges(b, DIMS))).toEqual([[[up('d', 1, 1, 1)], [del('a')]]]);
    expect(v.journalFiles.map((f) => path.basename(f))).toEqual([journal[0]?.name]);
    expect(catalogState(m3 as IndexManifest)).toMatchObject({ journal: 1, generation: 1 });
  });

  it('a changed or missing journal file fails verify with the reason; a crafted journal name is refused', async () => {
    const { directory, labels, manifest } = await savedDirectory();
    const m2 = (await FILES.appendJournal(directory, {
      manifest,
      changes: { data: encodeChanges([[up('x', 1, 2, 3)]], DIMS), count: 1, seconds: 0 },
      fields: fields(labels, '11'),
    })) as IndexManifest;
    const name = m2.journal?.[0]?.name as string;
    const file = path.join(directory, name);
    const bytes = await readFile(file);
    bytes[bytes.length - 1] ^= 0xff;
    await writeFile(file, bytes);
    expect(await FILES.verify(directory, { expect: EXPECT })).toEqual({ ok: false, reason: `${name} fails its checksum` });
    await writeFile(file, Buffer.alloc(0));
    expect(await FILES.verify(directory, { expect: EXPECT })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/is 0 bytes/),
    });

    const crafted = { ...m2, journal: [{ ...(m2.journal?.[0] as object), name: '../../etc/passwd' }] };
    await writeFile(path.join(directory, 'manifest.json'), JSON.stringify(crafted));
    expect(await FILES.verify(directory, { expect: EXPECT })).toEqual({ ok: false, reason: 'bad journal record' });
    const noBase = { ...m2, base: undefined };
    await writeFile(path.join(directory, 'manifest.json'), JSON.stringify(noBase));
    expect(await FILES.verify(directory, { expect: EXPECT })).toEqual({ ok: false, reason: 'journal without base counts' });
  });

  it('appendJournal refuses (null, nothing named) once another save replaced the manifest; a whole save removes old journals', async () => {
    const { directory, labels, manifest } = await savedDirectory();
    const change = { data: encodeChanges([[up('x', 1, 2, 3)]], DIMS), count: 1, seconds: 0 };
    const m2 = (await FILES.appendJournal(directory, {
      manifest,
      changes: change,
      fields: fields(labels, '11'),
    })) as IndexManifest;
    // Appending on the stale manifest (another process appended m2 meanwhile) is refused.
    expect(await FILES.appendJournal(directory, { manifest, changes: change, fields: fields(labels, '11') })).toBeNull();
    const whole = await FILES.save(directory, {
      generation: 2,
      labels,
      fields: fields(labels, '12'),
      write: (file) => writeFile(file, Buffer.alloc(16, 2)),
    });
    expect(await FILES.appendJournal(directory, { manifest: m2, changes: change, fields: fields(labels, '12') })).toBeNull();
    expect((await readdir(directory)).sort()).toEqual(['index.2.bin', 'labels.2.json', 'manifest.json']);
    expect(whole.journal).toBeUndefined();
    // The catalog recorded a journal the files do not have (older files): refused.
    expect(checkCatalog(m2, { generation: 1, journal: 2 })).toMatch(/journal/);
    await FILES.appendJournal(directory, { manifest: whole, changes: change, fields: fields(labels, '13') });
    await FILES.remove(directory);
    expect(await readdir(directory)).toEqual([]);
  });

  it('journalFits: within the file count and within the replay budget (4× the whole write, at least 1 s)', async () => {
    const { manifest } = await savedDirectory();
    const base = { ...manifest, base: { items: 3, deleted: 0, seconds: 2 } };
    expect(FILES.journalFits(null, 0, { maxFiles: 16 })).toBe(false);
    expect(FILES.journalFits(base, 0, { maxFiles: 0 })).toBe(false);
    expect(FILES.journalFits(base, 7.9, { maxFiles: 16 })).toBe(true);
    expect(FILES.journalFits(base, 8.1, { maxFiles: 16 })).toBe(false);
    const record = { name: 'journal.1.1-00000000.bin', bytes: 1, sha256: 'x', changes: 1, seconds: 5 };
    expect(FILES.journalFits({ ...base, journal: [record] }, 3.1, { maxFiles: 16 })).toBe(false);
    expect(FILES.journalFits({ ...base, journal: [record] }, 1, { maxFiles: 2 })).toBe(true);
    expect(FILES.journalFits({ ...base, journal: [record, record] }, 0, { maxFiles: 2 })).toBe(false);
    const quick = { ...manifest, base: { items: 3, deleted: 0, seconds: 0.001 } };
    expect(FILES.journalFits(quick, 0.9, { maxFiles: 16 })).toBe(true);
    expect(FILES.journalFits(quick, 1.1, { maxFiles: 16 })).toBe(false);
  });
});

describe('PendingChanges', () => {
  it('holds batches until reset, is lost by a build, and gives up past its byte limit', () => {
    const p = new PendingChanges(DIMS, { maxBytes: 200 });
    p.reset();
    p.add([up('a', 1, 2, 3)], 0.5);
    p.add([del('b')], 0.25);
    expect(p.count).toBe(2);
    expect(p.seconds).toBe(0.75);
    expect(decodeChanges(p.encode()?.data as Buffer, DIMS)).toEqual([[up('a', 1, 2, 3)], [del('b')]]);
    p.reset();
    expect(p.encode()).toBeNull();
    expect(p.usable).toBe(true);
    for (let i = 0; i < 10; i++) p.add([up(`i${i}`, 1, 2, 3)], 0);
    expect(p.usable).toBe(false);
    p.reset();
    p.lose();
    p.add([up('a', 1, 2, 3)], 0);
    expect(p.usable).toBe(false);
    expect(p.encode()).toBeNull();
  });
});
