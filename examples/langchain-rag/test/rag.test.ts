import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddingServer, startEmbeddingServer } from '../../../test/ingest/embedding-server.js';

/** The example app as a user runs it: `node rag.mjs ingest` on a folder, then `ask`. */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const APP = path.resolve(HERE, '..', 'rag.mjs');
const run = promisify(execFile);
let dir: string;
// Each test runs the app several times as a user would, a fresh node process each (loading the
// framework every time): slow on a loaded 2-core machine, so beyond vitest's default 30 s.
const SPAWNS_TIMEOUT_MS = 180_000;

async function rag(args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [APP, ...args, '--json'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
  return JSON.parse(stdout) as Record<string, unknown>;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vecdex-langchain-rag-'));
  await cp(path.resolve(HERE, '..', 'docs'), path.join(dir, 'docs'), { recursive: true });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('examples/langchain-rag (offline, the hashing provider)', { timeout: SPAWNS_TIMEOUT_MS }, () => {
  it('ingests the markdown folder, answers from the right section, and re-ingests only what changed', async () => {
    expect(await rag(['ingest'])).toEqual({ files: 3, sections: 6, numAdded: 6, numUpdated: 0, numSkipped: 0, numDeleted: 0 });
    const keys = await rag(['ask', 'how often are the signing keys rotated?']);
    expect(keys.answer).toBe('The signing keys are rotated every month.');
    expect((keys.sources as { source: string; heading: string }[])[0]).toEqual({
      source: 'keys.md',
      heading: 'Key management › Rotation',
    });
    const drill = await rag(['ask', 'when is a restore of the backup tested?', '-k', '1']);
    expect(drill.sources).toEqual([{ source: 'backups.md', heading: 'Backups › Restore drills' }]);
    expect(drill.answer).toMatch(/^Once a week a restore is tested/);

    expect(await rag(['ingest'])).toMatchObject({ numAdded: 0, numSkipped: 6, numDeleted: 0 });

    // One section edited, one removed from deploys.md; backups.md deleted.
    const deploys = path.join(dir, 'docs', 'deploys.md');
    const text = await readFile(deploys, 'utf8');
    await writeFile(deploys, text.replace(/## Rollback[\s\S]*$/, '').replace('thirty minutes', 'an hour'));
    await rm(path.join(dir, 'docs', 'backups.md'));
    expect(await rag(['ingest'])).toEqual({ files: 2, sections: 3, numAdded: 1, numUpdated: 0, numSkipped: 2, numDeleted: 4 });
    const canary = await rag(['ask', 'how long does the canary get traffic?', '-k', '1']);
    expect(canary.answer).toBe('Every release goes to a canary first: one percent of traffic for an hour.');
  });
});

describe('examples/langchain-rag against the local OpenAI-compatible test server', { timeout: SPAWNS_TIMEOUT_MS }, () => {
  let server: EmbeddingServer;
  beforeAll(async () => {
    server = await startEmbeddingServer({ dimensions: 32 });
  });
  afterAll(() => server.close());

  it('embeds sections and questions through the server; a section asked verbatim is found first', async () => {
    const remote = ['--db', 'remote.db', '--api-base', server.apiBase, '--model', 'test-embed', '--dimensions', '32'];
    expect(await rag(['ingest', ...remote])).toMatchObject({ sections: 3, numAdded: 3 });
    expect(server.answered.size).toBe(3);
    // The section's text exactly as ingested (its headings, a blank line, its body).
    const keys = await readFile(path.join(dir, 'docs', 'keys.md'), 'utf8');
    const section = `Key management › Revocation\n\n${keys.split('## Revocation')[1]?.trim()}`;
    const before = server.requests.length;
    const found = await rag(['ask', section, '-k', '1', ...remote]);
    expect(found.sources).toEqual([{ source: 'keys.md', heading: 'Key management › Revocation' }]);
    // That text was embedded at ingest: vecdex's embedding cache answers, no request.
    expect(server.requests.length).toBe(before);
    await rag(['ask', 'who revokes leaked keys?', ...remote]);
    expect(server.requests.length).toBe(before + 1);
    expect(server.requests.at(-1)).toMatchObject({ model: 'test-embed', texts: ['who revokes leaked keys?'] });
  });
});
