/**
 * The text loop through the real bin (issue 12): embed a folder of notes, then ask it a question;
 * the same against the local OpenAI-compatible server, whose request count proves the query cache
 * works across CLI runs; long vectors from a file or stdin; one index's collections searched at
 * once; `vecdex cache stats|clear`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddingServer, expectedVector, startEmbeddingServer } from '../ingest/embedding-server.js';
import { assertBuilt, jsonl, tempProject, vecdex, vecdexOk } from './run-vecdex.js';

/** The hnswlib plugin by absolute path: the temp project has no node_modules. */
const HNSW = fileURLToPath(new URL('../../packages/index-hnswlib/dist/index.js', import.meta.url));

interface Hit {
  collection: string;
  id: string;
  distance: number;
  score?: number;
}
const json = <T>(stdout: string): T => JSON.parse(stdout) as T;

const NOTES: Record<string, string> = {
  'keys.md': 'Rotate the API keys every ninety days with the vault command line tool.',
  'coat.md': 'The wool coat hangs in the hall closet next to the umbrellas.',
  'milk.md': 'Buy oat milk, rye bread and apples at the market on Saturday.',
  'deploy.md': 'Deploy the server by tagging a release; the pipeline builds and ships it.',
  'garden.md': 'Water the tomatoes in the garden early in the morning, never at noon.',
};

describe('vecdex similar / search with a text, on the offline hashing provider', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    assertBuilt();
    ({ dir, cleanup } = await tempProject());
    await writeFile(path.join(dir, 'package.json'), '{"name":"p"}');
    await vecdexOk(dir, ['init']);
    await mkdir(path.join(dir, 'notes'));
    for (const [file, text] of Object.entries(NOTES)) await writeFile(path.join(dir, 'notes', file), text);
    await vecdexOk(dir, ['embed-multi', 'notes', '--files', 'notes/*.md', '--store']);
  });
  afterAll(() => cleanup?.());

  it('similar <collection> "<text of an item>" ranks that item first; --explain says how the text was embedded', async () => {
    for (const [file, text] of Object.entries(NOTES)) {
      const hits = json<Hit[]>((await vecdexOk(dir, ['similar', 'notes', text, '-k', '2', '--json'])).stdout);
      expect(hits[0]?.id).toBe(`notes/${file}`);
    }
    const asked = await vecdexOk(dir, ['similar', 'notes', 'how do I rotate the keys?', '-k', '3', '--explain']);
    expect(asked.stdout.split('\n')[1]).toMatch(/^\s+1\s+notes\/keys\.md\s/);
    expect(asked.stdout).toMatch(/query text: embedded with model hashing-512, from/);
  });

  it('search <collection> "text" is hybrid by default, --mode keyword is bm25 only', async () => {
    const hybrid = json<{ plan: { strategy: string }; hits: Hit[] }>(
      (await vecdexOk(dir, ['search', 'notes', 'wool coat closet', '--explain', '--json'])).stdout,
    );
    expect(hybrid.plan.strategy).toBe('hybrid');
    expect(hybrid.hits[0]?.id).toBe('notes/coat.md');
    const keyword = json<{ id: string; distance: number | null }[]>(
      (await vecdexOk(dir, ['search', 'notes', 'wool', '--mode', 'keyword', '--json'])).stdout,
    );
    expect(keyword.map((h) => h.id)).toEqual(['notes/coat.md']);
    expect(keyword[0]?.distance).toBeNull();
  });

  it('--vector-file and --vector - (stdin) take long vectors; both equal --vector JSON', async () => {
    const text = NOTES['garden.md'] as string;
    const viaText = json<Hit[]>((await vecdexOk(dir, ['similar', 'notes', text, '-k', '3', '--json'])).stdout);
    // The stored vector of the garden note, read back through `get`.
    const stored = json<{ vector: number[] }>(
      (await vecdexOk(dir, ['get', 'notes', 'notes/garden.md', '--vector', '--json'])).stdout,
    );
    const vector = stored.vector;
    expect(vector).toHaveLength(512);
    await writeFile(path.join(dir, 'q.json'), JSON.stringify(vector));
    await writeFile(path.join(dir, 'q.txt'), vector.join(' '));
    const fromFile = (await vecdexOk(dir, ['similar', 'notes', '--vector-file', 'q.json', '-k', '3', '--json'])).stdout;
    const fromText = (await vecdexOk(dir, ['similar', 'notes', '--vector-file', 'q.txt', '-k', '3', '--json'])).stdout;
    const fromStdin = (
      await vecdexOk(dir, ['similar', 'notes', '--vector', '-', '-k', '3', '--json'], { input: JSON.stringify(vector) })
    ).stdout;
    expect(json<Hit[]>(fromFile).map((h) => h.id)).toEqual(viaText.map((h) => h.id));
    expect(fromText).toBe(fromFile);
    expect(fromStdin).toBe(fromFile);
    const empty = await vecdex(dir, ['similar', 'notes', '--vector', '-'], { input: '' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/--vector - \(stdin\) is empty/);
  });

  it('usage errors and bad text', async () => {
    for (const args of [
      ['similar', 'notes'],
      ['similar', 'notes', 'question', '--id', 'notes/keys.md'],
      ['similar', 'question without a collection'].slice(0, 1),
      ['similar', '--collections', 'notes', '--id', 'x'],
      ['search', 'notes', 'a', '--text', 'b'],
    ]) {
      const r = await vecdex(dir, args);
      expect(r.code, args.join(' ')).toBe(2);
    }
    const blank = await vecdex(dir, ['similar', 'notes', '   ']);
    expect(blank.code).toBe(1);
    expect(blank.stderr).toMatch(/text must be a text with at least one word/);
  });
});

describe('vecdex similar against an OpenAI-compatible server; the cache across runs; several collections', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let server: EmbeddingServer;
  const DIMS = 8;
  const flags = () => ['--provider', 'openai', '--api-base', server.apiBase];
  const records = Array.from({ length: 30 }, (_, i) => ({
    id: `r${i}`,
    content: `record ${i} is about ${['cats', 'ships', 'bread', 'stars', 'rain'][i % 5]} and number ${i}`,
    metadata: { kind: i % 2 === 0 ? 'even' : 'odd' },
  }));

  beforeAll(async () => {
    assertBuilt();
    server = await startEmbeddingServer({ dimensions: DIMS });
    ({ dir, cleanup } = await tempProject());
    await writeFile(path.join(dir, 'package.json'), '{"name":"p"}');
    await writeFile(path.join(dir, 'vecdex.config.json'), JSON.stringify({ backend: 'sqlitevec', plugins: [HNSW] }));
    await writeFile(path.join(dir, 'a.jsonl'), jsonl(records.slice(0, 15)));
    await writeFile(path.join(dir, 'b.jsonl'), jsonl(records.slice(15)));
    for (const c of ['a', 'b']) {
      await vecdexOk(dir, [
        'embed-multi',
        c,
        '--jsonl',
        `${c}.jsonl`,
        ...flags(),
        '--model',
        'toy-8',
        '--dimensions',
        '8',
        '--store',
      ]);
    }
  });
  afterAll(async () => {
    await server?.close();
    await cleanup?.();
  });

  it("ranks the item first and equals a vector query with the server's embedding", async () => {
    const r = records[3] as (typeof records)[number];
    const before = server.requests.length;
    const hits = json<Hit[]>((await vecdexOk(dir, ['similar', 'a', r.content, ...flags(), '-k', '5', '--json'])).stdout);
    expect(hits[0]?.id).toBe(r.id);
    expect(server.requests.length, 'the ingested text came from the embedding cache').toBe(before);
    const question = 'which record is about ships';
    const byText = (await vecdexOk(dir, ['similar', 'a', question, ...flags(), '-k', '5', '--json'])).stdout;
    const byVector = (
      await vecdexOk(dir, ['similar', 'a', '--vector', JSON.stringify(expectedVector(question, DIMS)), '-k', '5', '--json'])
    ).stdout;
    expect(byText).toBe(byVector);
  });

  it('a repeated question costs no request in a new run; cache stats and clear', async () => {
    const question = 'a question asked twice';
    const before = server.requests.length;
    const first = await vecdexOk(dir, ['similar', 'b', question, ...flags(), '--json']);
    expect(server.requests.length).toBe(before + 1);
    const second = await vecdexOk(dir, ['similar', 'b', question, ...flags(), '--json']);
    expect(server.requests.length).toBe(before + 1);
    expect(second.stdout).toBe(first.stdout);
    const stats = json<{ caches: { model: string; entries: number }[] }>(
      (await vecdexOk(dir, ['cache', 'stats', '--json'])).stdout,
    );
    const toy = stats.caches.find((c) => c.model === 'toy-8');
    expect(toy?.entries).toBeGreaterThanOrEqual(records.length + 1);
    expect((await vecdexOk(dir, ['cache', 'stats'])).stdout).toMatch(/toy-8\s+8\s+\d+\s+_vecdex\.cache\./);
    const cleared = json<{ cleared: number }>((await vecdexOk(dir, ['cache', 'clear', '--model', 'toy-8', '--json'])).stdout);
    expect(cleared.cleared).toBe(toy?.entries);
    expect((await vecdexOk(dir, ['cache', 'stats'])).stdout).not.toMatch(/toy-8/);
    await vecdexOk(dir, ['similar', 'b', question, ...flags()]);
    expect(server.requests.length).toBe(before + 2);
    await vecdexOk(dir, ['similar', 'b', 'no cache at all', ...flags(), '--no-cache']);
    await vecdexOk(dir, ['similar', 'b', 'no cache at all', ...flags(), '--no-cache']);
    expect(server.requests.length).toBe(before + 4);
  });

  it('--index searches every collection of the index; --collections --exact is the exact counterpart', async () => {
    await vecdexOk(dir, ['index', 'create', 'both', '--plugin', 'hnswlib', '--collections', 'a,b']);
    await vecdexOk(dir, ['index', 'build', 'both']);
    const question = 'records about rain';
    const viaIndex = json<Hit[]>(
      (await vecdexOk(dir, ['similar', '--index', 'both', question, ...flags(), '-k', '8', '--param', 'efSearch=100', '--json']))
        .stdout,
    );
    expect(new Set(viaIndex.map((h) => h.collection))).toEqual(new Set(['a', 'b']));
    const exact = json<Hit[]>(
      (await vecdexOk(dir, ['similar', '--collections', 'a,b', question, '--exact', ...flags(), '-k', '8', '--json'])).stdout,
    );
    expect(viaIndex.map((h) => `${h.collection}/${h.id}`)).toEqual(exact.map((h) => `${h.collection}/${h.id}`));
    const filtered = json<(Hit & { metadata: { kind: string } })[]>(
      (await vecdexOk(dir, ['similar', '--index', 'both', question, ...flags(), '--filter', '{"kind":"odd"}', '--json'])).stdout,
    );
    expect(filtered).toHaveLength(10);
    expect(filtered.every((h) => h.metadata.kind === 'odd')).toBe(true);
    const table = await vecdexOk(dir, ['similar', '--index', 'both', question, ...flags(), '-k', '3']);
    expect(table.stdout).toMatch(/^RANK\s+COLLECTION\s+ID\s+DISTANCE/);
    const searched = await vecdexOk(dir, ['search', '--index', 'both', 'rain', ...flags(), '--explain']);
    expect(searched.stdout).toMatch(/strategy:\s+hybrid/);
    expect(searched.stdout).toMatch(/collections:\s+a, b/);
  });

  it('a provider that is down fails the command with a typed error, in time', { timeout: 20_000 }, async () => {
    const dead = await startEmbeddingServer({ dimensions: DIMS });
    const apiBase = dead.apiBase;
    await dead.close();
    const r = await vecdex(dir, [
      'similar',
      'a',
      'anyone home?',
      '--provider',
      'openai',
      '--api-base',
      apiBase,
      '--max-attempts',
      '2',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/embedding failed after 2 attempt\(s\): could not reach/);
    const slow = await vecdex(dir, [
      'similar',
      'a',
      'anyone home?',
      '--provider',
      'openai',
      '--api-base',
      apiBase,
      '--timeout',
      '300',
    ]);
    expect(slow.code).toBe(1);
    expect(slow.stderr).toMatch(
      /did not finish within 300 ms \(embedding.queryTimeoutMs\) after \d+ attempt\(s\).*could not reach/,
    );
    const none = await vecdex(dir, ['similar', 'a', 'hello']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no embedding provider is configured/);
  });
});
