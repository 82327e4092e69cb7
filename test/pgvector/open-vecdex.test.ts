import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openVecdex } from '@vecdex/core';
import type { PgVectorBackend } from '@vecdex/backend-pgvector';

/** The test server (scripts/setup-postgres.sh); test-all.sh sets VECDEX_REQUIRE_PG=1 so CI never skips. */
const PG_URL = process.env.VECDEX_TEST_PG_URL?.trim() || undefined;
if (PG_URL === undefined && process.env.VECDEX_REQUIRE_PG === '1') {
  throw new Error('VECDEX_REQUIRE_PG=1 but VECDEX_TEST_PG_URL is not set: eval "$(bash scripts/setup-postgres.sh)" first');
}
const here = path.dirname(fileURLToPath(import.meta.url));

describe.skipIf(PG_URL === undefined)('openVecdex with VECDEX_BACKEND=pgvector (needs VECDEX_TEST_PG_URL)', () => {
  it('loads the plugin by its alias, takes connection and schema from the environment, and works end to end', async () => {
    const schema = `vdx_api_${process.pid}_${Date.now().toString(36)}`;
    const env = { VECDEX_BACKEND: 'pgvector', VECDEX_DB_URL: PG_URL, VECDEX_PG_SCHEMA: schema };
    const vx = await openVecdex({ config: {}, env, cwd: here });
    try {
      expect(vx.backend.name).toBe('pgvector');
      await vx.collections.create({ name: 'docs', dimensions: 3, metric: 'cosine' });
      const docs = vx.collection('docs');
      await docs.upsert([
        { id: 'a', vector: [1, 0, 0], content: 'red apple', metadata: { lang: 'en' } },
        { id: 'b', vector: [0, 1, 0], content: 'green pear', metadata: { lang: 'de' } },
        { id: 'c', vector: [0.9, 0.2, 0], content: 'red cherry', metadata: { lang: 'de' } },
      ]);
      expect((await docs.similar([1, 0.1, 0], { k: 1, filter: { lang: 'en' } })).map((h) => h.id)).toEqual(['a']);
      expect((await docs.similar([1, 0.1, 0], { k: 2 })).map((h) => h.id)).toEqual(['a', 'c']);
      const { changes } = await docs.changes(null);
      expect(changes.map((c) => c.id).sort()).toEqual(['a', 'b', 'c']);
    } finally {
      // The test's schema goes with it (through the backend's own pool, before closing it).
      await (vx.backend as PgVectorBackend).pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await vx.close();
    }
  });
});
