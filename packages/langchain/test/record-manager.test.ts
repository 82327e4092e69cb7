import { Document } from '@langchain/core/documents';
import { index } from '@langchain/core/indexing';
import { SyntheticEmbeddings } from '@langchain/core/utils/testing';
import type { Vecdex } from '@vecdex/core';
import { VecdexRecordManager, VecdexVectorStore } from '@vecdex/langchain';
import { afterAll, describe, expect, it } from 'vitest';
import { STORES, cleanupStores } from './stores.js';

afterAll(cleanupStores);

const chunk = (source: string, text: string) => new Document({ pageContent: text, metadata: { source } });
const CORPUS = [chunk('a.md', 'alpha one'), chunk('a.md', 'alpha two'), chunk('b.md', 'beta one'), chunk('c.md', 'gamma one')];

async function setup(vx: Vecdex) {
  const vectorStore = new VecdexVectorStore(new SyntheticEmbeddings({ vectorSize: 8 }), { vecdex: vx, collection: 'docs' });
  const recordManager = new VecdexRecordManager({ vecdex: vx, collection: 'docs.records' });
  await recordManager.createSchema();
  await recordManager.createSchema(); // idempotent
  return { vectorStore, recordManager };
}

/** Contents stored in the documents collection, sorted. */
async function contents(vx: Vecdex): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of vx.collection('docs').scan({ vectors: false })) for (const i of batch) out.push(i.content ?? '');
  return out.sort();
}

/** The documents collection's change feed read to its end: its cursor. */
async function feedEnd(vx: Vecdex, after: string | null = null): Promise<{ cursor: string | null; changes: number }> {
  let cursor = after;
  let changes = 0;
  for (;;) {
    const batch = await vx.collection('docs').changes(cursor, { vectors: false });
    changes += batch.changes.length;
    cursor = batch.cursor ?? cursor;
    if (batch.done) return { cursor, changes };
  }
}

describe.each(STORES)('VecdexRecordManager with LangChain index() on %s', (_name, open, skip) => {
  it.skipIf(skip)(
    'incremental: an unchanged corpus writes nothing; a changed or removed chunk of a source is replaced / deleted',
    async () => {
      const vx = await open();
      const args = await setup(vx);
      const options = { cleanup: 'incremental' as const, sourceIdKey: 'source' };
      expect(await index({ docsSource: CORPUS, ...args, options })).toEqual({
        numAdded: 4,
        numDeleted: 0,
        numUpdated: 0,
        numSkipped: 0,
      });
      expect(await contents(vx)).toEqual(['alpha one', 'alpha two', 'beta one', 'gamma one']);
      const { cursor } = await feedEnd(vx);

      // Re-indexing the same corpus: everything skipped, and the documents' change feed is untouched.
      expect(await index({ docsSource: CORPUS, ...args, options })).toEqual({
        numAdded: 0,
        numDeleted: 0,
        numUpdated: 0,
        numSkipped: 4,
      });
      expect((await feedEnd(vx, cursor)).changes).toBe(0);

      // a.md now has one changed chunk and lost the other; b.md and c.md are not in this run.
      const run = await index({ docsSource: [chunk('a.md', 'alpha one, revised')], ...args, options });
      expect(run).toEqual({ numAdded: 1, numDeleted: 2, numUpdated: 0, numSkipped: 0 });
      expect(await contents(vx)).toEqual(['alpha one, revised', 'beta one', 'gamma one']);
      // The feed carries exactly index()'s writes: one upsert, two deletes.
      const feed = await vx.collection('docs').changes(cursor, { vectors: false });
      expect(feed.changes.map((c) => c.op).sort()).toEqual(['delete', 'delete', 'upsert']);
      // Records and documents agree.
      expect((await args.recordManager.listKeys({})).sort()).toEqual(
        (await vx.collection('docs').getMany(await args.recordManager.listKeys({}))).map((i) => i.id).sort(),
      );
    },
  );

  it.skipIf(skip)('full: documents not returned by the loader are deleted, whatever their source', async () => {
    const vx = await open();
    const args = await setup(vx);
    await index({ docsSource: CORPUS, ...args, options: { cleanup: 'full' } });
    const run = await index({
      docsSource: [CORPUS[0], CORPUS[2]] as Document[],
      ...args,
      options: { cleanup: 'full', cleanupBatchSize: 1 },
    });
    expect(run).toEqual({ numAdded: 0, numDeleted: 2, numUpdated: 0, numSkipped: 2 });
    expect(await contents(vx)).toEqual(['alpha one', 'beta one']);
    expect(await args.recordManager.listKeys({})).toHaveLength(2);
    // No cleanup: nothing is deleted, new documents are added.
    const added = await index({ docsSource: [chunk('d.md', 'delta one')], ...args });
    expect(added).toEqual({ numAdded: 1, numDeleted: 0, numUpdated: 0, numSkipped: 0 });
    expect(await contents(vx)).toEqual(['alpha one', 'beta one', 'delta one']);
    // forceUpdate re-writes what is there.
    const forced = await index({ docsSource: [CORPUS[0]] as Document[], ...args, options: { forceUpdate: true } });
    expect(forced).toEqual({ numAdded: 0, numDeleted: 0, numUpdated: 1, numSkipped: 0 });
  });

  it.skipIf(skip)('the record manager contract: times, update with groups, exists, listKeys filters, deleteKeys', async () => {
    const vx = await open();
    const { recordManager: rm } = await setup(vx);
    const t0 = await rm.getTime();
    const t1 = await rm.getTime();
    expect(t1).toBeGreaterThan(t0);
    expect(Math.abs(t0 - Date.now())).toBeLessThan(5_000);

    await rm.update(['k1', 'k2'], { groupIds: ['g1', null] });
    const mid = await rm.getTime();
    await rm.update(['k3'], { groupIds: ['g2'] });
    await rm.update(['k1']); // no groupIds: k1 keeps g1
    expect(await rm.exists(['k1', 'nope', 'k3'])).toEqual([true, false, true]);
    expect((await rm.listKeys({ before: mid })).sort()).toEqual(['k2']);
    expect((await rm.listKeys({ after: mid })).sort()).toEqual(['k1', 'k3']);
    expect((await rm.listKeys({ groupIds: ['g1'] })).sort()).toEqual(['k1']);
    expect((await rm.listKeys({ groupIds: [null] })).sort()).toEqual(['k2']);
    expect(await rm.listKeys({ limit: 2 })).toHaveLength(2);

    await expect(rm.update(['k4'], { groupIds: ['a', 'b'] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(rm.update(['k4'], { timeAtLeast: Date.now() + 60_000 })).rejects.toThrow(/behind timeAtLeast/);
    expect(await rm.exists(['k4'])).toEqual([false]);

    await rm.deleteKeys(['k1', 'k2']);
    expect(await rm.listKeys({})).toEqual(['k3']);
  });
});
