import { afterEach, describe, expect, it } from 'vitest';
import { NO_PG, Stores, freshAppName, item, pgUrl, randomVector, rng, spec, withAdmin } from './pg-env.js';
import pg from 'pg';

/**
 * The COPY path's two ways in: a batch of ids none of which is stored goes straight into the
 * items table (binary COPY with `modified`), anything else through the staging table and
 * `INSERT ... ON CONFLICT`. Both must leave the same rows and change rows; a writer on another
 * connection that stores one of the ids between the check and the direct COPY makes it fail with
 * a unique violation, after which the write runs again through the staging table.
 */
describe.skipIf(NO_PG)('pgvector COPY straight into the items table (PostgreSQL)', () => {
  const stores = new Stores();
  afterEach(() => stores.cleanup());

  /** The tables the COPYs of the backend named `app` wrote to while `run` ran (schema left out). */
  async function copyTargets(schema: string, app: string, run: () => Promise<void>): Promise<string[]> {
    const seen: string[] = [];
    const orig = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, q: unknown, ...rest: unknown[]) {
      const text = typeof q === 'string' ? q : ((q as { text?: string })?.text ?? '');
      const m = /^COPY (\S+)/.exec(text);
      if (
        m &&
        (this as unknown as { connectionParameters: { application_name?: string } }).connectionParameters.application_name === app
      )
        seen.push((m[1] as string).replace(`"${schema}".`, ''));
      return (orig as (...a: unknown[]) => unknown).call(this, q, ...rest);
    } as typeof orig;
    try {
      await run();
    } finally {
      pg.Client.prototype.query = orig;
    }
    return seen;
  }

  it('takes new ids straight into the items table, stored ids through the staging table, with the same rows and change rows', async () => {
    const app = freshAppName();
    const b = await stores.open({ applicationName: app });
    await b.createCollection(spec('c', 6));
    const r = rng(11);
    const fresh = Array.from({ length: 50 }, (_, i) =>
      item(`n${49 - i}`, randomVector(r, 6), i % 2 ? { i } : null, i % 3 ? `text ${i}` : null),
    );
    expect(await copyTargets(b.schema, app, () => b.upsert('c', fresh))).toEqual(['items_1']);
    // Half stored, half new: the staging table.
    const mixed = Array.from({ length: 50 }, (_, i) => item(`n${i * 2}`, randomVector(r, 6), { again: i }, 'again'));
    expect(await copyTargets(b.schema, app, () => b.upsert('c', mixed))).toEqual(['pg_temp.vecdex_stage']);
    expect(await b.count('c')).toBe(75);
    expect(await b.countChanges(['c'], null)).toBe(75);
    const byId = new Map([...fresh, ...mixed].map((x) => [x.id, x]));
    const got = await b.get('c', [...byId.keys()]);
    expect(got).toHaveLength(75);
    for (const g of got) {
      const want = byId.get(g.id);
      expect(Array.from(g.vector as Float32Array)).toEqual(Array.from(want?.vector ?? []));
      expect([g.content, g.metadata]).toEqual([want?.content, want?.metadata]);
    }
    // The same modified on every row and change row of a write; keyword search sees direct rows.
    const rows = await withAdmin(
      async (c) =>
        (
          await c.query<{ n: string }>(
            `SELECT count(DISTINCT i.modified)::text AS n FROM "${b.schema}".items_1 i
               JOIN "${b.schema}".changes ch ON ch.item_id = i.id AND ch.modified = i.modified
              WHERE i.id LIKE 'n%' AND i.content IS DISTINCT FROM 'again'`,
          )
        ).rows,
    );
    expect(rows[0]?.n).toBe('1');
    const hits = await b.searchKeyword({ collections: ['c'], query: 'text', k: 100 });
    expect(hits.length).toBe(fresh.filter((x) => x.content !== null && !mixed.some((m) => m.id === x.id)).length);
  });

  it('runs the write again through the staging table when another connection stores one of the ids first', async () => {
    const app = freshAppName();
    const b = await stores.open({ applicationName: app });
    await b.createCollection(spec('c', 3));
    const admin = new pg.Client({ connectionString: pgUrl() });
    await admin.connect();
    try {
      // Another writer has inserted 'x' and not committed: the check does not see it, so the
      // direct COPY runs and waits on the row's unique index entry, then fails once it commits.
      await admin.query('BEGIN');
      await admin.query(`INSERT INTO "${b.schema}".items_1 (id, embedding, modified) VALUES ('x', '[9,9,9]', 0)`);
      const targets = await copyTargets(b.schema, app, async () => {
        const done = b.upsert('c', [item('w', [1, 1, 1]), item('x', [2, 2, 2]), item('y', [3, 3, 3])]);
        for (let i = 0; ; i++) {
          const waiting = await admin.query(
            `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
            [app],
          );
          if (waiting.rows.length > 0) break;
          if (i > 500)
            throw new Error(
              `the direct COPY never waited on the uncommitted id: ${JSON.stringify((await admin.query('SELECT application_name, state, wait_event_type, wait_event, query FROM pg_stat_activity WHERE application_name = $1', [app])).rows)}`,
            );
          await new Promise((res) => setTimeout(res, 10));
        }
        await admin.query('COMMIT');
        await done;
      });
      expect(targets).toEqual(['items_1', 'pg_temp.vecdex_stage']);
    } finally {
      await admin.end();
    }
    const got = await b.get('c', ['w', 'x', 'y']);
    expect(got.map((g) => [g.id, Array.from(g.vector as Float32Array)])).toEqual([
      ['w', [1, 1, 1]],
      ['x', [2, 2, 2]],
      ['y', [3, 3, 3]],
    ]);
    expect(await b.countChanges(['c'], null)).toBe(3);
  });
});
