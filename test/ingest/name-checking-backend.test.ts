import { createSqliteVecBackend } from '@vecdex/backend-sqlitevec';
import { type StorageBackend, createHashingProvider, ingest, openVecdex, validateName } from '@vecdex/core';
import { describe, expect, it } from 'vitest';

/**
 * A backend that checks collection names with core's exported validateName (as a plugin author
 * is told to) must still take core's own collections: the embedding cache `_vecdex.cache.<hex>`.
 */
function checkingNames(backend: StorageBackend): StorageBackend {
  return new Proxy(backend, {
    get(target, prop, receiver) {
      if (prop === 'createCollection') {
        return (spec: Parameters<StorageBackend['createCollection']>[0]) => {
          validateName('collection', spec.name);
          return target.createCollection(spec);
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('a backend that checks names with validateName', () => {
  it('takes the embedding cache collections: ingest and a text query work', async () => {
    const backend = checkingNames(await createSqliteVecBackend({ path: ':memory:' }));
    const vx = await openVecdex({ backend, config: {} });
    try {
      const provider = createHashingProvider();
      const report = await ingest(vx, {
        collection: 'notes',
        provider,
        records: [
          { id: 'keys', text: 'Rotate the API keys every ninety days.' },
          { id: 'coat', text: 'The wool coat hangs in the hall closet.' },
        ],
      });
      expect(report.failed).toEqual([]);
      const names = (await backend.listCollections()).map((c) => c.name);
      expect(
        names.some((n) => /^_vecdex\.cache\.[0-9a-f]{16}$/.test(n)),
        names.join(', '),
      ).toBe(true);
      // Users still cannot take that form.
      await expect(
        vx.collections.create({ name: names.find((n) => n.startsWith('_vecdex.')) ?? '', dimensions: 3 }),
      ).rejects.toMatchObject({
        code: 'INVALID_NAME',
      });
    } finally {
      await vx.close();
    }
  });
});
