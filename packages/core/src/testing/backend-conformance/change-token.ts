import { describe, expect, it } from 'vitest';
import type { StorageBackend } from '../../contracts/storage-backend.js';
import { type ConformanceContext, spec } from '../context.js';
import { Random } from '../random.js';

const DIMS = 4;

/**
 * `StorageBackend.changeToken` (only run when the backend has it: it is optional). Core reuses
 * what it read under a token while the token stays equal, so every committed write must move it,
 * through this backend and through another one open on the same store, and reads must not.
 */
export function changeTokenTests(ctx: ConformanceContext): void {
  describe('change token', () => {
    it('moves with every write through this backend, and stays put across reads', async (t) => {
      const b = await ctx.fresh();
      if (typeof b.changeToken !== 'function') t.skip(`${ctx.options.name} has no changeToken (it is optional)`);
      await expectEveryWriteMoves(b, b, ctx);
    });
    const skipped = ctx.options.skip?.sharedStore === true;
    const title = `moves with every write through another backend open on the same store${skipped ? ' (skipped: options.skip.sharedStore, one open backend per store)' : ''}`;
    it.skipIf(skipped)(title, async (t) => {
      const location = await ctx.location();
      const reader = await ctx.open(location);
      if (typeof reader.changeToken !== 'function') t.skip(`${ctx.options.name} has no changeToken (it is optional)`);
      await expectEveryWriteMoves(reader, await ctx.open(location), ctx);
    });
  });
}

/** Each write through `writer` changes `reader`'s token; the reads in between change nothing. */
async function expectEveryWriteMoves(reader: StorageBackend, writer: StorageBackend, ctx: ConformanceContext): Promise<void> {
  const token = () => (reader.changeToken as () => Promise<string>).call(reader);
  const rng = new Random(1601);
  const item = (id: string) => ({ id, vector: rng.vector(DIMS), content: null, metadata: { id } });
  const seen = new Set<string>();
  const reads = async () => {
    if ((await reader.getCollection('docs')) !== null) await reader.count('docs');
    await reader.headCursor();
    await reader.getIndexDefinition('ix');
  };
  const writes: [string, () => Promise<unknown>][] = [
    ['createCollection', () => writer.createCollection(spec('docs', DIMS, ctx.defaultMetric))],
    ['upsert', () => writer.upsert('docs', [item('a'), item('b')])],
    ['upsert (a replacement)', () => writer.upsert('docs', [item('a')])],
    ['delete', () => writer.delete('docs', ['b'])],
    ['updateCollection', () => writer.updateCollection('docs', { model: 'm' })],
    [
      'createIndexDefinition',
      () => writer.createIndexDefinition({ name: 'ix', plugin: 'p', collections: ['docs'], params: {}, createdAt: 1 }),
    ],
    ['putIndexState', () => writer.putIndexState('ix', { cursor: null, state: { n: 1 }, updatedAt: 2 })],
    ['deleteIndexDefinition', () => writer.deleteIndexDefinition('ix')],
    ['deleteCollection', () => writer.deleteCollection('docs')],
  ];
  let last = await token();
  seen.add(last);
  for (const [name, write] of writes) {
    await reads();
    expect(await token(), `reads before ${name} leave the token as it was`).toBe(last);
    await write();
    const next = await token();
    expect(seen.has(next), `${name} gives a token not seen before`).toBe(false);
    seen.add(next);
    last = next;
  }
}
