import { readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { VectorIndex } from '../../contracts/index-plugin.js';
import type { JsonValue } from '../../model/item.js';
import { Random } from '../random.js';
import { HitChecker } from './expect-hits.js';
import type { IndexSuiteContext } from './index-context.js';
import { IndexModel, keyOf, makeEntries, randomChanges, unevenBatches } from './index-model.js';

/** A built index with deletes and replacements applied, saved; returns its state as the catalog keeps it. */
async function saved(ctx: IndexSuiteContext, seed: number) {
  const rng = new Random(seed);
  const { index, directory } = await ctx.open();
  const entries = makeEntries(rng, 60, ctx.dimensions);
  await index.build(unevenBatches(entries));
  const model = new IndexModel();
  model.apply(entries.map((e) => ({ ...e, op: 'upsert' as const })));
  const changes = randomChanges(rng, model, 60, ctx.dimensions, 'p');
  await index.apply(changes);
  model.apply(changes);
  const state = await index.save();
  // Core keeps the state in the store's catalog as JSON: load must accept what comes back.
  const stored = JSON.parse(JSON.stringify(state)) as { [key: string]: JsonValue };
  expect(stored, 'save() returns a JSON object').toEqual(state);
  return { rng, index, directory, model, state: stored };
}

/** Every file under `dir`, recursively. */
async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await files(full)));
    else out.push(full);
  }
  return out;
}

/** After a failed load the instance must still build (core rebuilds from the store). */
async function stillBuilds(ctx: IndexSuiteContext, index: VectorIndex, rng: Random): Promise<void> {
  const entries = makeEntries(rng, 10, ctx.dimensions, 'rebuilt-');
  await index.build(unevenBatches(entries));
  const model = new IndexModel();
  model.apply(entries.map((e) => ({ ...e, op: 'upsert' as const })));
  expect(index.stats().items).toBe(30);
  const check = new HitChecker(ctx, ctx.defaultMetric);
  for (let q = 0; q < 5; q++) await check.search(index, model, rng.vector(ctx.dimensions), 5);
  check.done();
}

/** save/load across instances, refusal of missing and damaged files, drop. */
export function persistenceTests(ctx: IndexSuiteContext): void {
  describe('save, load and drop', () => {
    it('a new instance loads what save wrote: same entries, same answers', async () => {
      const { rng, index, directory, model, state } = await saved(ctx, 501);
      const before = index.stats();
      const queries = Array.from({ length: 20 }, () => rng.vector(ctx.dimensions));
      const answers = await Promise.all(queries.map((q) => index.search(q, { k: 10, ...params(ctx) })));
      await index.close();
      const { index: again } = await ctx.open(ctx.defaultMetric, directory);
      expect(await again.load(state)).toBe(true);
      expect(again.stats().items).toBe(model.size);
      expect(again.stats().items).toBe(before.items);
      const check = new HitChecker(ctx, ctx.defaultMetric);
      for (const [i, q] of queries.entries()) {
        const hits = await check.search(again, model, q, 10);
        expect(hits.map(keyOf), `query ${i} answers as before the save`).toEqual(answers[i]?.map(keyOf));
      }
      check.done();
      // The loaded index takes changes like a built one.
      const more = randomChanges(rng, model, 30, ctx.dimensions, 'after-load');
      await again.apply(more);
      model.apply(more);
      expect(again.stats().items).toBe(model.size);
      for (let q = 0; q < 5; q++) await check.search(again, model, rng.vector(ctx.dimensions), 10);
      check.done();
    });

    it('saving again after more changes: a load sees the latest save', async () => {
      const { rng, index, directory, model } = await saved(ctx, 502);
      const more = randomChanges(rng, model, 40, ctx.dimensions, 'second');
      await index.apply(more);
      model.apply(more);
      const state = JSON.parse(JSON.stringify(await index.save())) as { [key: string]: JsonValue };
      const { index: again } = await ctx.open(ctx.defaultMetric, directory);
      expect(await again.load(state)).toBe(true);
      expect(again.stats().items).toBe(model.size);
      const check = new HitChecker(ctx, ctx.defaultMetric);
      for (let q = 0; q < 10; q++) await check.search(again, model, rng.vector(ctx.dimensions), 10);
      check.done();
    });

    it('load returns false in a directory without files, and the instance still builds', async () => {
      const { rng, state } = await saved(ctx, 503);
      const { index: elsewhere } = await ctx.open();
      expect(await elsewhere.load(state)).toBe(false);
      await stillBuilds(ctx, elsewhere, rng);
    });

    it('load returns false once the saved files are removed', async () => {
      const { rng, directory, state } = await saved(ctx, 504);
      for (const f of await files(directory)) await rm(f);
      const { index: again } = await ctx.open(ctx.defaultMetric, directory);
      expect(await again.load(state)).toBe(false);
      await stillBuilds(ctx, again, rng);
    });

    it('load returns false when every saved file is overwritten with garbage of the same size', async () => {
      const { rng, directory, state } = await saved(ctx, 505);
      const written = await files(directory);
      expect(written.length, 'save wrote at least one file').toBeGreaterThan(0);
      for (const f of written) {
        const bytes = await readFile(f);
        for (let i = 0; i < bytes.length; i++) bytes[i] = (bytes[i] as number) ^ (0x5a + (i % 7));
        await writeFile(f, bytes);
      }
      const { index: again } = await ctx.open(ctx.defaultMetric, directory);
      expect(await again.load(state)).toBe(false);
      await stillBuilds(ctx, again, rng);
    });

    it('load returns false when a saved file is truncated', async () => {
      const { rng, directory, state } = await saved(ctx, 506);
      const written = await files(directory);
      let largest = written[0] as string;
      for (const f of written) if ((await stat(f)).size > (await stat(largest)).size) largest = f;
      await truncate(largest, Math.floor((await stat(largest)).size / 2));
      const { index: again } = await ctx.open(ctx.defaultMetric, directory);
      expect(await again.load(state)).toBe(false);
      await stillBuilds(ctx, again, rng);
    });

    it('drop removes the files, after which a load returns false', async () => {
      const { index, directory, state } = await saved(ctx, 507);
      expect((await files(directory)).length).toBeGreaterThan(0);
      await index.drop();
      expect(await files(directory), 'files left after drop').toEqual([]);
      const { index: again } = await ctx.open(ctx.defaultMetric, directory);
      expect(await again.load(state)).toBe(false);
    });

    it('export, when the plugin has it, writes a file outside the index directory and describes it in JSON', async (test) => {
      const { rng, index, directory, model } = await saved(ctx, 509);
      if (typeof index.export !== 'function') return test.skip('the plugin has no export()');
      const outDir = await ctx.directory();
      const description = await index.export(path.join(outDir, 'exported.idx'));
      expect(JSON.parse(JSON.stringify(description)), 'export returns JSON').toEqual(description);
      expect((await stat(path.join(outDir, 'exported.idx'))).size).toBeGreaterThan(0);
      // Exporting changes nothing in the index: it still answers, and its files still load.
      const check = new HitChecker(ctx, ctx.defaultMetric);
      for (let q = 0; q < 5; q++) await check.search(index, model, rng.vector(ctx.dimensions), 10);
      check.done();
      const state = JSON.parse(JSON.stringify(await index.save())) as { [key: string]: JsonValue };
      const { index: again } = await ctx.open(ctx.defaultMetric, directory);
      expect(await again.load(state)).toBe(true);
    });

    it('stats report bytesOnDisk, when given, as a non-negative number', async () => {
      const { index } = await saved(ctx, 508);
      const stats = index.stats();
      expect(Number.isInteger(stats.items) && stats.items >= 0).toBe(true);
      expect(Number.isInteger(stats.deleted) && stats.deleted >= 0).toBe(true);
      if (stats.bytesOnDisk !== undefined) expect(stats.bytesOnDisk).toBeGreaterThanOrEqual(0);
      if (stats.needsCompaction !== undefined) expect(typeof stats.needsCompaction).toBe('boolean');
      // Stats are JSON: core reports them in `status()`.
      expect(JSON.parse(JSON.stringify(stats))).toEqual(JSON.parse(JSON.stringify({ ...stats })));
    });
  });
}

function params(ctx: IndexSuiteContext) {
  return ctx.options.searchParams === undefined ? {} : { params: ctx.options.searchParams };
}
