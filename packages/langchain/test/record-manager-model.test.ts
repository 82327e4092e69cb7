import { Document } from '@langchain/core/documents';
import { index } from '@langchain/core/indexing';
import { SyntheticEmbeddings } from '@langchain/core/utils/testing';
import type { Vecdex } from '@vecdex/core';
import { VecdexRecordManager, VecdexVectorStore } from '@vecdex/langchain';
import { afterAll, describe, expect, it } from 'vitest';
import { STORES, cleanupStores } from './stores.js';

afterAll(cleanupStores);

/**
 * index() runs over a randomly changing corpus, checked against what LangChain's cleanup modes
 * promise: after 'full' the store holds exactly the run's documents; after 'incremental' the
 * run's documents plus, untouched, those of sources the run did not see; without cleanup,
 * everything ever indexed. Each run's counts are checked too (added = new contents, skipped =
 * contents already there), and the records always name exactly the stored documents.
 */
function rng(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

async function stored(vx: Vecdex): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const batch of vx.collection('docs').scan({ vectors: false })) {
    for (const i of batch) out.set(i.id, `${(i.metadata as { source: string }).source}|${i.content}`);
  }
  return out;
}

describe.each(STORES)('index() over a changing corpus on %s', (_name, open, skip) => {
  it.skipIf(skip)('keeps the store as each cleanup mode promises, run after run', async () => {
    const vx = await open();
    const vectorStore = new VecdexVectorStore(new SyntheticEmbeddings({ vectorSize: 4 }), { vecdex: vx, collection: 'docs' });
    const recordManager = new VecdexRecordManager({ vecdex: vx, collection: 'docs.records' });
    await recordManager.createSchema();
    const random = rng(7);
    const sources = ['a.md', 'b.md', 'c.md', 'd.md'];
    let expected = new Set<string>(); // "source|content" stored now
    const totals = { numAdded: 0, numSkipped: 0, numDeleted: 0 };
    for (let round = 0; round < 12; round++) {
      const mode = (['full', 'incremental', undefined] as const)[round % 3];
      // This run: some sources, each with 1–3 chunks drawn from a small vocabulary (repeats across runs).
      const seen = sources.filter(() => random() < 0.6);
      const docs: Document[] = [];
      for (const source of seen) {
        const n = 1 + Math.floor(random() * 3);
        for (let c = 0; c < n; c++)
          docs.push(new Document({ pageContent: `chunk ${Math.floor(random() * 4)} of ${source}`, metadata: { source } }));
      }
      const run = new Set(docs.map((d) => `${d.metadata.source}|${d.pageContent}`));
      const result = await index({
        docsSource: docs,
        recordManager,
        vectorStore,
        options: mode === undefined ? {} : { cleanup: mode, sourceIdKey: 'source' },
      });
      const before = expected;
      if (mode === 'full') expected = run;
      else if (mode === 'incremental')
        expected = new Set([...run, ...[...before].filter((k) => !seen.includes(k.split('|')[0] as string))]);
      else expected = new Set([...before, ...run]);

      const now = await stored(vx);
      expect(new Set(now.values()), `round ${round} (${mode ?? 'no cleanup'})`).toEqual(expected);
      expect(now.size, 'no duplicates').toBe(expected.size);
      expect(result.numAdded).toBe([...run].filter((k) => !before.has(k)).length);
      expect(result.numSkipped).toBe([...run].filter((k) => before.has(k)).length);
      expect(result.numDeleted).toBe(before.size + result.numAdded - expected.size);
      expect((await recordManager.listKeys({})).sort()).toEqual([...now.keys()].sort());
      for (const key of ['numAdded', 'numSkipped', 'numDeleted'] as const) totals[key] += result[key];
    }
    // The runs did add, skip and delete (the checks above were exercised).
    expect(Math.min(totals.numAdded, totals.numSkipped, totals.numDeleted)).toBeGreaterThan(3);
  });
});
