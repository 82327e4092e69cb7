import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { type StoredItem, openVecdex } from '@vecdex/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EmbeddingServer, type Misbehaviour, expectedVector, startEmbeddingServer } from '../ingest/embedding-server.js';
import { BIN, assertBuilt, hasTerminalCodes, jsonl, tempProject, vecdex, vecdexOk } from './run-vecdex.js';

const DIMS = 8;
let dir: string;
let cleanup: () => Promise<void>;
let server: EmbeddingServer | null = null;

beforeEach(async () => {
  assertBuilt();
  ({ dir, cleanup } = await tempProject());
  await writeFile(
    path.join(dir, 'vecdex.config.json'),
    JSON.stringify({ backend: { use: 'sqlitevec', options: { path: './vecdex.db' } } }),
  );
});
afterEach(async () => {
  await server?.close();
  server = null;
  await cleanup();
});

/** Every item of a collection, read straight from the store. */
async function storedItems(collection: string): Promise<Map<string, StoredItem>> {
  const vx = await openVecdex({
    config: { backend: { use: sqlitevec, options: { path: path.join(dir, 'vecdex.db') } } },
    cwd: dir,
    env: {},
  });
  try {
    const out = new Map<string, StoredItem>();
    if (!(await vx.collections.has(collection))) return out;
    for await (const batch of vx.collection(collection).scan({ vectors: true })) for (const it of batch) out.set(it.id, it);
    return out;
  } finally {
    await vx.close();
  }
}

const remoteFlags = (s: EmbeddingServer) => [
  '--provider',
  'openai',
  '--api-base',
  s.apiBase,
  '--model',
  'toy-8',
  '--dimensions',
  String(DIMS),
];
const records = (n: number, tag = '') =>
  Array.from({ length: n }, (_, i) => ({
    id: `r${i}`,
    text: `record ${i} says something${tag}`,
    lang: i % 2 === 0 ? 'en' : 'de',
  }));

describe('vecdex embed and embed-multi', () => {
  it('embed stores one text with the offline hashing provider, and the collection remembers the model', async () => {
    const r = await vecdexOk(dir, ['embed', 'notes', 'n1', '--text', 'buy oat milk', '--store', '--metadata', '{"list":"shop"}']);
    expect(r.stdout).toMatch(/1 embedded/);
    expect(r.stdout).toMatch(/created collection "notes"/);
    expect(hasTerminalCodes(r.stdout + r.stderr)).toBe(false);
    const info = JSON.parse((await vecdexOk(dir, ['collections', 'info', 'notes', '--json'])).stdout);
    expect(info).toMatchObject({ dimensions: 512, model: 'hashing-512', count: 1 });
    const item = (await storedItems('notes')).get('n1');
    expect(item).toMatchObject({ content: 'buy oat milk', metadata: { list: 'shop' } });
    expect(item?.contentHash).toMatch(/^[0-9a-f]{64}$/);

    const other = await vecdex(dir, ['embed', 'notes', 'n2', '--text', 'x', '--provider', 'hashing', '--model', 'hashing-64']);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/embedded with model "hashing-512"/);
  });

  it('embed-multi --files: one item per file, id = relative path; a re-run embeds only the changed file', async () => {
    await mkdir(path.join(dir, 'docs/guide'), { recursive: true });
    await writeFile(path.join(dir, 'docs/a.md'), 'installing postgres on debian');
    await writeFile(path.join(dir, 'docs/guide/b.md'), 'a chocolate cake recipe');
    await writeFile(path.join(dir, 'docs/guide/skip.txt'), 'not markdown');
    const first = JSON.parse(
      (await vecdexOk(dir, ['embed-multi', 'docs', '--files', 'docs/**/*.md', '--store', '--json'])).stdout,
    );
    expect(first).toMatchObject({ records: 2, embedded: 2, failed: [] });
    const items = await storedItems('docs');
    expect([...items.keys()].sort()).toEqual(['docs/a.md', 'docs/guide/b.md']);
    expect(items.get('docs/guide/b.md')?.content).toBe('a chocolate cake recipe');

    await writeFile(path.join(dir, 'docs/a.md'), 'installing postgres on debian 12');
    const second = JSON.parse(
      (await vecdexOk(dir, ['embed-multi', 'docs', '--files', 'docs/**/*.md', '--store', '--json'])).stdout,
    );
    expect(second).toMatchObject({ embedded: 1, unchanged: 1 });
    expect((await storedItems('docs')).get('docs/a.md')?.content).toBe('installing postgres on debian 12');
  });

  it('embed-multi --jsonl against an OpenAI-compatible server: zero requests on a re-run, key from the environment', async () => {
    server = await startEmbeddingServer({ dimensions: DIMS, shuffle: true });
    await writeFile(path.join(dir, 'in.jsonl'), jsonl(records(25)));
    const env = { OPENAI_API_KEY: 'sk-from-env' };
    const args = [
      'embed-multi',
      'docs',
      '--jsonl',
      'in.jsonl',
      '--text-column',
      'text',
      '--metadata',
      'lang',
      '-b',
      '10',
      ...remoteFlags(server),
    ];
    const r = await vecdexOk(dir, args, { env });
    expect(r.stdout).toMatch(/25 embedded \(3 requests\)/);
    expect(r.stdout + r.stderr).not.toContain('sk-from-env');
    expect(server.requests.every((q) => q.authorization === 'Bearer sk-from-env')).toBe(true);
    const items = await storedItems('docs');
    expect(items.size).toBe(25);
    expect(Array.from(items.get('r3')?.vector ?? [])).toEqual(expectedVector('record 3 says something', DIMS).map(Math.fround));
    expect(items.get('r3')?.metadata).toEqual({ lang: 'de' });

    const again = await vecdexOk(dir, args, { env });
    expect(again.stdout).toMatch(/0 embedded \(0 requests\).*25 unchanged/);
    expect(server.requests).toHaveLength(3);
  });

  it('embed-multi --csv and --sql choose id, text and metadata columns', async () => {
    await writeFile(path.join(dir, 'in.csv'), 'key,body,year,extra\nk1,"first, with comma",2020,x\nk2,second,2021,y\n');
    const csv = JSON.parse(
      (
        await vecdexOk(dir, [
          'embed-multi',
          'c',
          '--csv',
          'in.csv',
          '--id-column',
          'key',
          '--text-column',
          'body',
          '--metadata',
          'year',
          '--store',
          '--json',
        ])
      ).stdout,
    );
    expect(csv).toMatchObject({ embedded: 2 });
    const c = await storedItems('c');
    expect(c.get('k1')).toMatchObject({ content: 'first, with comma', metadata: { year: 2020 } });

    const Database = createRequire(BIN)('better-sqlite3');
    const db = new Database(path.join(dir, 'app.db'));
    db.exec(
      "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, lang TEXT); INSERT INTO notes (body, lang) VALUES ('sql one', 'en'), ('sql two', 'fr'), (NULL, 'en')",
    );
    db.close();
    const sql = await vecdex(dir, [
      'embed-multi',
      's',
      '--sql',
      'SELECT id, body AS content, lang FROM notes',
      '--database',
      'app.db',
      '--metadata',
      'lang',
      '--json',
    ]);
    expect(sql.code).toBe(1); // the NULL body is reported, not dropped
    const report = JSON.parse(sql.stdout);
    expect(report).toMatchObject({ records: 3, embedded: 2, failed: [{ id: '3', reason: expect.stringMatching(/empty/) }] });
    expect((await storedItems('s')).get('2')?.metadata).toEqual({ lang: 'fr' });

    const missing = await vecdex(dir, ['embed-multi', 's', '--sql', 'SELECT id, lang FROM notes', '--database', 'app.db']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no column "content"/);
    const write = await vecdex(dir, ['embed-multi', 's', '--sql', 'DELETE FROM notes', '--database', 'app.db']);
    expect(write.code).toBe(2);
  });

  it("a provider plugin named in the config is used, with the config's model; flags override the config", async () => {
    const core = new URL('../../packages/core/dist/index.js', import.meta.url).href;
    await writeFile(
      path.join(dir, 'letters-provider.mjs'),
      `import { definePlugin } from ${JSON.stringify(core)};
export default definePlugin({
  kind: 'provider',
  name: 'letters',
  async create(options) {
    return {
      model: 'letters-' + options.model,
      dimensions: 3,
      async embed(texts) {
        return texts.map((t) => new Float32Array([t.length, (t.match(/[aeiou]/g) ?? []).length, 1]));
      },
    };
  },
});
`,
    );
    await writeFile(
      path.join(dir, 'vecdex.config.json'),
      JSON.stringify({
        backend: { use: 'sqlitevec', options: { path: './vecdex.db' } },
        plugins: ['./letters-provider.mjs'],
        embedding: { provider: 'letters', model: 'v1' },
      }),
    );
    await vecdexOk(dir, ['embed', 'words', 'w1', '--text', 'banana']);
    const info = JSON.parse((await vecdexOk(dir, ['collections', 'info', 'words', '--json'])).stdout);
    expect(info).toMatchObject({ dimensions: 3, model: 'letters-v1' });
    expect(Array.from((await storedItems('words')).get('w1')?.vector ?? [])).toEqual([6, 3, 1]);
    const flag = await vecdex(dir, ['embed', 'words', 'w2', '--text', 'kiwi', '--model', 'v2']);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toMatch(/embedded with model "letters-v1", not "letters-v2"/);
    const bad = JSON.parse((await vecdex(dir, ['embed', 'words', 'w3', '--text', 'x', '--provider', 'nope', '--json'])).stderr);
    expect(bad.error.message).toMatch(/no embedding provider named "nope" \(available: hashing, openai, letters\)/);
  });

  it('--dry-run counts items and estimates tokens without a request or a store', async () => {
    server = await startEmbeddingServer({ dimensions: DIMS });
    await writeFile(path.join(dir, 'in.jsonl'), jsonl(records(40)));
    const r = JSON.parse(
      (
        await vecdexOk(dir, [
          'embed-multi',
          'docs',
          '--jsonl',
          'in.jsonl',
          '--text-column',
          'text',
          '--dry-run',
          '--json',
          ...remoteFlags(server),
        ])
      ).stdout,
    );
    const chars = records(40).reduce((n, x) => n + x.text.length, 0);
    expect(r).toMatchObject({ dryRun: true, items: 40, characters: chars });
    expect(r.estimatedTokens).toBeGreaterThanOrEqual(Math.ceil(chars / 4));
    expect(server.requests).toHaveLength(0);
    expect((await storedItems('docs')).size).toBe(0);
  });

  it('lists the items that still failed and exits 1; a re-run retries only them', async () => {
    let broken = true;
    server = await startEmbeddingServer({
      dimensions: DIMS,
      behave: (q): Misbehaviour | undefined =>
        broken && q.texts.some((t) => t.includes('record 7 ')) ? { kind: 'status', status: 400 } : undefined,
    });
    await writeFile(path.join(dir, 'in.jsonl'), jsonl(records(12)));
    const args = ['embed-multi', 'docs', '--jsonl', 'in.jsonl', '--text-column', 'text', ...remoteFlags(server)];
    const r = await vecdex(dir, args);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/failed "r7": .*400/);
    expect(r.stderr).toMatch(/1 item\(s\) were not embedded/);
    expect((await storedItems('docs')).size).toBe(11);
    broken = false;
    const before = server.requests.length;
    await vecdexOk(dir, args);
    expect(server.requests.slice(before).flatMap((q) => q.texts)).toEqual(['record 7 says something']);
    expect((await storedItems('docs')).size).toBe(12);
  });

  it('Ctrl-C stops an ingest with status 130, keeping what was written; a re-run finishes it', async () => {
    server = await startEmbeddingServer({ dimensions: DIMS, latencyMs: 30 });
    const all = records(300);
    await writeFile(path.join(dir, 'in.jsonl'), jsonl(all));
    const args = ['embed-multi', 'docs', '--jsonl', 'in.jsonl', '--text-column', 'text', '-b', '10', ...remoteFlags(server)];
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    while (server.requests.length < 6) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/interrupted/);
    expect(stderr).toMatch(/re-run the same command/);
    const partial = await storedItems('docs');
    expect(partial.size).toBeGreaterThan(0);
    expect(partial.size).toBeLessThan(300);
    const r = JSON.parse((await vecdexOk(dir, [...args, '--json'])).stdout);
    expect(r).toMatchObject({ unchanged: partial.size, embedded: 300 - partial.size, failed: [] });
  });

  it('an ingest killed with SIGKILL mid-run is finished by re-running it, without duplicates or re-sends', async () => {
    server = await startEmbeddingServer({ dimensions: DIMS, latencyMs: 30 });
    const all = records(400);
    await writeFile(path.join(dir, 'in.jsonl'), jsonl(all));
    const args = [
      'embed-multi',
      'docs',
      '--jsonl',
      'in.jsonl',
      '--text-column',
      'text',
      '-b',
      '10',
      '--concurrency',
      '2',
      ...remoteFlags(server),
    ];
    const child: ChildProcess = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    while (server.requests.length < 8) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    expect(await exited).toBeNull();

    const partial = await storedItems('docs');
    expect(partial.size).toBeGreaterThan(0);
    expect(partial.size).toBeLessThan(400);
    const before = server.requests.length;
    const r = JSON.parse((await vecdexOk(dir, [...args, '--json'])).stdout);
    expect(r).toMatchObject({ unchanged: partial.size, embedded: 400 - partial.size, failed: [] });
    // Exactly the texts not stored at the kill were sent again.
    const resent = server.requests
      .slice(before)
      .flatMap((q) => q.texts)
      .sort();
    expect(resent).toEqual(
      all
        .filter((x) => !partial.has(x.id))
        .map((x) => x.text)
        .sort(),
    );
    const final = await storedItems('docs');
    expect(final.size).toBe(400);
    for (const x of all) expect(Array.from(final.get(x.id)?.vector ?? [])).toEqual(expectedVector(x.text, DIMS).map(Math.fround));
  });
});
