import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, tempProject, vecdexOk } from '../cli/run-vecdex.js';
import { type EmbeddingServer, expectedVector, startEmbeddingServer } from '../ingest/embedding-server.js';

/**
 * The ai-sdk provider named in a JSON vecdex.config.json, as a CLI user configures it: the plugin
 * and @ai-sdk/openai-compatible resolve from the project's node_modules (here a link to the test
 * package's), `vecdex embed-multi` ingests and `vecdex similar "text"` queries through the model.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
let server: EmbeddingServer;
let project: { dir: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  assertBuilt();
  server = await startEmbeddingServer({ dimensions: 8 });
  project = await tempProject();
  await symlink(path.join(here, '..', 'node_modules'), path.join(project.dir, 'node_modules'), 'dir');
  await writeFile(
    path.join(project.dir, 'vecdex.config.json'),
    JSON.stringify({
      backend: { use: 'sqlitevec', options: { path: './vecdex.db' } },
      plugins: ['@vecdex/provider-ai-sdk'],
      embedding: {
        provider: 'ai-sdk',
        model: 'cli-embed',
        apiBase: server.apiBase,
        dimensions: 8,
        batchSize: 2,
        options: { package: '@ai-sdk/openai-compatible', providerSettings: { name: 'local' } },
      },
    }),
  );
});
afterAll(async () => {
  await server?.close();
  await project?.cleanup();
});

describe('vecdex CLI with the ai-sdk provider from vecdex.config.json', () => {
  it('embed-multi ingests through embedMany in batches; similar "text" queries through the same model', async () => {
    const { dir } = project;
    await mkdir(path.join(dir, 'notes'));
    for (const [name, text] of [
      ['a.md', 'rotate the signing keys'],
      ['b.md', 'back up the database'],
      ['c.md', 'canary deploys first'],
    ])
      await writeFile(path.join(dir, 'notes', name as string), text as string);
    const report = JSON.parse(
      (await vecdexOk(dir, ['embed-multi', 'notes', '--files', 'notes/*.md', '--store', '--json'])).stdout,
    );
    expect(report).toMatchObject({ records: 3, embedded: 3, failed: [], model: 'cli-embed' });
    expect(server.requests.map((r) => r.texts.length)).toEqual([2, 1]);
    expect(server.requests.every((r) => r.model === 'cli-embed')).toBe(true);

    const hits = JSON.parse((await vecdexOk(dir, ['similar', 'notes', 'is the canary first?', '-k', '3', '--json'])).stdout) as {
      id: string;
    }[];
    expect(server.requests.at(-1)?.texts).toEqual(['is the canary first?']);
    // The ranking the server's vectors give: exact search by that vector.
    const byVector = JSON.parse(
      (
        await vecdexOk(dir, [
          'similar',
          'notes',
          '--vector',
          JSON.stringify(expectedVector('is the canary first?', 8)),
          '-k',
          '3',
          '--exact',
          '--json',
        ])
      ).stdout,
    ) as { id: string }[];
    expect(hits.map((h) => h.id)).toEqual(byVector.map((h) => h.id));
  });
});
