import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type DoctorCheck, doctor } from '@vecdex/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddingServer, startEmbeddingServer } from '../ingest/embedding-server.js';

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

describe('vecdex doctor: the configured embedding provider and its own checks', () => {
  let dir: string;
  let server: EmbeddingServer;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vecdex-provider-doctor-'));
    server = await startEmbeddingServer({ dimensions: 8 });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const run = async (embedding: object, env: NodeJS.ProcessEnv = { VECDEX_API_KEY: 'sk-test' }) => {
    const report = await doctor({ config: { dataDir: path.join(dir, 'data'), embedding }, cwd: dir, env });
    return report.checks.filter((c: DoctorCheck) => c.name === 'provider' || c.name.startsWith('provider.'));
  };

  it('no embedding.provider in the config: no provider checks', async () => {
    expect(await run({})).toEqual([]);
  });

  it('openai against a server that answers: configured, API base reachable, spending no embedding', async () => {
    const before = server.requests.length;
    const checks = await run({ provider: 'openai', apiBase: server.apiBase, model: 'm' });
    expect(checks.map((c) => [c.name, c.status])).toEqual([
      ['provider', 'ok'],
      ['provider.api', 'ok'],
    ]);
    expect(checks[1]?.message).toContain(`${server.apiBase} answers`);
    expect(server.requests.length, 'no embeddings request').toBe(before);
  });

  it('openai against a port nothing listens on: fails with a remedy, the URL shown without its password or query', async () => {
    const port = await closedPort();
    const checks = await run({ provider: 'openai', apiBase: `http://user:hunter2@127.0.0.1:${port}/v1?key=s3cret`, model: 'm' });
    const api = checks.find((c) => c.name === 'provider.api');
    expect(api?.status).toBe('fail');
    expect(api?.message).toBe(`could not reach http://127.0.0.1:${port}/v1 (ECONNREFUSED)`);
    expect(api?.remedy).toMatch(/apiBase/);
    expect(JSON.stringify(checks)).not.toMatch(/hunter2|s3cret|sk-test/);
  });

  it('openai against a server that refuses the key (401): fails, saying to check the key, the key not shown', async () => {
    const seen: (string | undefined)[] = [];
    const refusing = createHttpServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(401).end('bad key');
    });
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    try {
      const { port } = refusing.address() as { port: number };
      const checks = await run({ provider: 'openai', apiBase: `http://127.0.0.1:${port}/v1`, model: 'm' });
      const api = checks.find((c) => c.name === 'provider.api');
      expect(api).toMatchObject({ status: 'fail', details: { status: 401 } });
      expect(api?.message).toBe(`http://127.0.0.1:${port}/v1 refused the API key (401 to GET /models)`);
      expect(api?.remedy).toMatch(/API key/);
      expect(seen, 'the key was sent').toEqual(['Bearer sk-test']);
      expect(JSON.stringify(checks)).not.toContain('sk-test');
    } finally {
      await new Promise((r) => refusing.close(r));
    }
  });

  it('a provider that cannot be created (an unknown name): a failed check, doctor goes on', async () => {
    const checks = await run({ provider: 'no-such-provider' });
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ name: 'provider', status: 'fail' });
    expect(checks[0]?.message).toMatch(/no embedding provider named "no-such-provider"/);
  });
});
