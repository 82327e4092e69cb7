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
  dir = await mkdtemp(path.join(os.tmpdir(), 'vecdex-llamaindex-rag-'));
  await cp(path.resolve(HERE, '..', 'docs'), path.join(dir, 'docs'), { recursive: true });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('examples/llamaindex-rag (offline, the hashing provider)', { timeout: SPAWNS_TIMEOUT_MS }, () => {
  it('ingests the markdown folder, answers from the right section, filters, and re-ingests only what changed', async () => {
    expect(await rag(['ingest'])).toEqual({ files: 3, sections: 6, written: 6, unchanged: 0, deleted: 0 });
    const keys = await rag(['ask', 'how often are the signing keys rotated?']);
    expect(keys.answer).toBe('The signing keys are rotated every month.');
    expect((keys.sources as { source: string; heading: string }[])[0]).toEqual({
      source: 'keys.md',
      heading: 'Key management › Rotation',
    });
    const drill = await rag(['ask', 'when is a restore of the backup tested?', '-k', '1']);
    expect(drill.sources).toEqual([{ source: 'backups.md', heading: 'Backups › Restore drills' }]);
    // A LlamaIndex metadata filter, run by vecdex: only deploys.md sections.
    const filtered = await rag(['ask', 'how often are the signing keys rotated?', '--team', 'deploys']);
    expect(new Set((filtered.sources as { source: string }[]).map((s) => s.source))).toEqual(new Set(['deploys.md']));

    expect(await rag(['ingest'])).toEqual({ files: 3, sections: 6, written: 0, unchanged: 6, deleted: 0 });

    // One section edited, one removed from deploys.md; backups.md deleted.
    const deploys = path.join(dir, 'docs', 'deploys.md');
    const text = await readFile(deploys, 'utf8');
    await writeFile(deploys, text.replace(/## Rollback[\s\S]*$/, '').replace('thirty minutes', 'an hour'));
    await rm(path.join(dir, 'docs', 'backups.md'));
    expect(await rag(['ingest'])).toEqual({ files: 2, sections: 3, written: 1, unchanged: 2, deleted: 3 });
    const canary = await rag(['ask', 'how long does the canary get traffic?', '-k', '1']);
    expect(canary.answer).toBe('Every release goes to a canary first: one percent of traffic for an hour.');
    const gone = await rag(['ask', 'when is a restore of the backup tested?', '-k', '10']);
    expect((gone.sources as { source: string }[]).map((s) => s.source)).not.toContain('backups.md');
  });
});

describe('examples/llamaindex-rag against the local OpenAI-compatible test server', { timeout: SPAWNS_TIMEOUT_MS }, () => {
  let server: EmbeddingServer;
  beforeAll(async () => {
    server = await startEmbeddingServer({ dimensions: 32 });
  });
  afterAll(() => server.close());

  it('embeds nodes and questions through the server; a section asked verbatim as LlamaIndex embedded it is found first', async () => {
    const remote = ['--db', 'remote.db', '--api-base', server.apiBase, '--model', 'test-embed', '--dimensions', '32'];
    expect(await rag(['ingest', ...remote])).toMatchObject({ sections: 3, written: 3 });
    // LlamaIndex embeds each node's text with its metadata (MetadataMode.EMBED).
    const embedded = [...server.answered.keys()];
    expect(embedded).toHaveLength(3);
    const revocation = embedded.find((t) => t.includes('Revocation')) as string;
    expect(revocation).toContain('source: keys.md');
    const found = await rag(['ask', revocation, '-k', '1', ...remote]);
    expect(found.sources).toEqual([{ source: 'keys.md', heading: 'Key management › Revocation' }]);
    expect(server.requests.at(-1)?.texts).toEqual([revocation]);
  });
});
