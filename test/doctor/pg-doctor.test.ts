import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DoctorReport, type Vecdex, doctor, openVecdex } from '@vecdex/core';
import type { PgVectorBackend } from '@vecdex/backend-pgvector';
import { assertBuilt, vecdex } from '../cli/run-vecdex.js';
import { snapshot } from './tree-snapshot.js';

/** The test server (scripts/setup-postgres.sh); test-all.sh sets VECDEX_REQUIRE_PG=1 so CI never skips. */
const PG_URL = process.env.VECDEX_TEST_PG_URL?.trim() || undefined;
if (PG_URL === undefined && process.env.VECDEX_REQUIRE_PG === '1') {
  throw new Error('VECDEX_REQUIRE_PG=1 but VECDEX_TEST_PG_URL is not set: eval "$(bash scripts/setup-postgres.sh)" first');
}
const here = path.dirname(fileURLToPath(import.meta.url));
const HNSW = fileURLToPath(new URL('../../packages/index-hnswlib/dist/index.js', import.meta.url));

function check(report: DoctorReport, name: string) {
  const c = report.checks.find((x) => x.name === name);
  if (c === undefined) throw new Error(`no check ${name} in ${report.checks.map((x) => x.name).join(', ')}`);
  return c;
}

/** A loopback port nothing listens on: a PostgreSQL that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.skipIf(PG_URL === undefined)('doctor on pgvector (needs VECDEX_TEST_PG_URL)', () => {
  const schema = `vdx_doctor_${process.pid}_${Date.now().toString(36)}`;
  const role = `vdx_doctor_ro_${process.pid}`;
  let dir: string;
  let owner: Vecdex;
  let admin: { query: PgVectorBackend['pool']['query'] };
  const config = (url: string) => ({
    backend: { use: 'pgvector', options: { connectionString: url, schema } },
    plugins: [HNSW],
  });
  /** Everything vecdex keeps in the schema, as text: compared before and after doctor. */
  const contents = async () => {
    const out: string[] = [];
    for (const t of ['meta', 'collections', 'changes', 'index_definitions', 'index_states']) {
      const r = await admin.query(`SELECT to_jsonb(t)::text AS row FROM "${schema}".${t} t ORDER BY 1`);
      out.push(`${t}:${r.rows.map((x) => x.row).join('|')}`);
    }
    const tables = await admin.query(
      `SELECT c.relname, c.relpages, c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 ORDER BY 1`,
      [schema],
    );
    out.push(JSON.stringify(tables.rows));
    return out;
  };

  beforeAll(async () => {
    assertBuilt();
    dir = await mkdtemp(path.join(tmpdir(), 'vecdex-pg-doctor-'));
    // Kept open for the admin queries (its pool), closed at the end.
    const vx = await openVecdex({ config: config(PG_URL as string), cwd: dir, resolvePaths: [here], env: {} });
    owner = vx;
    const pool = (vx.backend as PgVectorBackend).pool;
    admin = { query: pool.query.bind(pool) as PgVectorBackend['pool']['query'] };
    await vx.collections.create({ name: 'docs', dimensions: 4, metric: 'l2' });
    await vx.collection('docs').upsert(Array.from({ length: 40 }, (_, i) => ({ id: `d${i}`, vector: [i, 1, i % 5, 2] })));
    await vx.indexes.create({ name: 'files', plugin: 'hnswlib', collections: ['docs'] });
    await vx.indexes.build('files');
    await vx.indexes.create({ name: 'native', plugin: 'pgvector-hnsw', collections: ['docs'] });
    await vx.indexes.build('native');
  });
  afterAll(async () => {
    await admin?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin?.query(`DROP OWNED BY ${role}`).catch(() => undefined);
    await admin?.query(`DROP ROLE IF EXISTS ${role}`);
    await owner?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a healthy store: versions, privileges, no INVALID index, both indexes; nothing written', async () => {
    const [files, rows] = [await snapshot(dir), await contents()];
    const report = await doctor({ config: config(PG_URL as string), cwd: dir, resolvePaths: [here], env: {} });
    expect(report.checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(check(report, 'store.schema').message).toMatch(/pgvector 0\.\d+\.\d+/);
    expect(check(report, 'store.privileges').status).toBe('ok');
    expect(check(report, 'index.files.files').message).toMatch(/40 items/);
    expect(check(report, 'index.native').message).toMatch(/kept current by the store/);
    expect(await snapshot(dir)).toEqual(files);
    expect(await contents()).toEqual(rows);
  });

  it('a role without write privileges: store.privileges fails with the GRANT to run', async () => {
    await admin.query(`CREATE ROLE ${role} LOGIN`);
    await admin.query(`GRANT USAGE ON SCHEMA "${schema}" TO ${role}`);
    await admin.query(`GRANT SELECT ON ALL TABLES IN SCHEMA "${schema}" TO ${role}`);
    const url = new URL(PG_URL as string);
    url.username = role;
    const report = await doctor({ config: config(url.toString()), cwd: dir, resolvePaths: [here], env: {} });
    expect(report.ok).toBe(false);
    const c = check(report, 'store.privileges');
    expect(c.status).toBe('fail');
    expect(c.message).toMatch(/lacks CREATE on the schema/);
    expect(c.remedy).toMatch(/GRANT USAGE, CREATE ON SCHEMA/);
  });

  it('PostgreSQL down: `vecdex doctor` reports store.open failed with the remedy, exit 1, no stack, nothing written', async () => {
    const url = `postgres://vecdex@127.0.0.1:${await closedPort()}/vecdex_test`;
    const cfg = path.join(dir, 'down.config.json');
    await (await import('node:fs/promises')).writeFile(cfg, JSON.stringify(config(url)));
    const before = await snapshot(dir);
    const r = await vecdex(here, ['doctor', '--json', '--config', cfg]);
    expect(await snapshot(dir)).toEqual(before);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
    const report = JSON.parse(r.stdout) as DoctorReport;
    const open = check(report, 'store.open');
    expect(open.status).toBe('fail');
    expect(open.message).toMatch(/cannot connect/);
    expect(open.remedy).toMatch(/start the database server/);
    expect(check(report, 'addon.hnswlib-node').status).toBe('ok'); // what needs no store still ran
  });
});
