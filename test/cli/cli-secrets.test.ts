import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, tempProject, vecdex, vecdexOk } from './run-vecdex.js';

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('vecdex CLI: passwords with @, # or / never printed', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    assertBuilt();
    ({ dir, cleanup } = await tempProject());
    await vecdexOk(dir, ['init']);
  });
  afterAll(() => cleanup());

  for (const [label, password] of [
    ['@', 'hun@ter2'],
    ['#', 'hun#ter2'],
    ['/', 'hun/ter2'],
    ['@, # and /', 'h@u#n/ter2@x'],
  ] as const) {
    it(`config and config --json hide a database password holding ${label}`, async () => {
      const file = `pw${Buffer.from(password).toString('hex')}.config.json`;
      await writeFile(
        path.join(dir, file),
        JSON.stringify({
          backend: { use: 'pgvector', options: { connectionString: `postgres://admin:${password}@db.example:5432/prod` } },
        }),
      );
      for (const extra of [[], ['--json']]) {
        const r = await vecdexOk(dir, ['--config', file, 'config', ...extra]);
        const all = r.stdout + r.stderr;
        expect(all).not.toContain('ter2');
        expect(all).not.toContain('hun');
        expect(all).toContain('postgres://admin:***@db.example:5432/prod');
      }
      // The same URL from the environment (VECDEX_DB_URL) is hidden too.
      const env = { VECDEX_DB_URL: `postgres://admin:${password}@db.example:5432/prod` };
      for (const extra of [[], ['--json']]) {
        const r = await vecdexOk(dir, ['--config', file, 'config', ...extra], { env });
        expect(r.stdout + r.stderr).not.toContain('ter2');
        expect(r.stdout + r.stderr).toContain('postgres://admin:***@db.example:5432/prod');
      }
    });
  }

  it('an embedding failure against an --api-base with credentials does not print them (text and --json)', async () => {
    const port = await closedPort();
    const apiBase = `http://robot:s3cr@tpw@127.0.0.1:${port}/v1`;
    const args = ['embed', 'notes', 'n1', '--text', 'hello', '--provider', 'openai', '--api-base', apiBase, '--model', 'm'];
    for (const extra of [
      ['--max-attempts', '1'],
      ['--max-attempts', '1', '--json'],
    ]) {
      const r = await vecdex(dir, [...args, ...extra], { env: { VECDEX_DEBUG: '1' } });
      expect(r.code).toBe(1);
      const all = r.stdout + r.stderr;
      expect(all).not.toContain('s3cr');
      expect(all).not.toContain('tpw');
      expect(all).toContain(`127.0.0.1:${port}`);
    }
  });
});
