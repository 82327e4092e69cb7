import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, hasTerminalCodes, jsonl, tempProject, vecdex, vecdexOk } from './run-vecdex.js';

/**
 * The hnswlib plugin by absolute path: the temp project has no node_modules, and path refs
 * (starting with '/' or '.') are loaded as files.
 */
const HNSW = fileURLToPath(new URL('../../packages/index-hnswlib/dist/index.js', import.meta.url));

const DIMS = 8;

/** A deterministic, well-spread 8-d vector per item number. */
function vectorOf(i: number): number[] {
  return Array.from({ length: DIMS }, (_, j) => Number(Math.sin(i * 12.9898 + j * 78.233).toFixed(6)));
}

function items(from: number, to: number): { id: string; vector: number[]; metadata: { n: number } }[] {
  const out = [];
  for (let i = from; i < to; i++) out.push({ id: `d${i}`, vector: vectorOf(i), metadata: { n: i } });
  return out;
}

interface Hit {
  collection: string;
  id: string;
  distance: number;
  metadata: unknown;
}

const QUERY = JSON.stringify(vectorOf(1000));

// One project through an index's life: each step relies on the previous one.
describe('vecdex CLI: index create, build, status, similar through the index, sync, drop', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  const status = async (): Promise<Record<string, unknown> & { definition: { name: string } }> =>
    JSON.parse((await vecdexOk(dir, ['index', 'status', 'hnsw', '--json'])).stdout);

  beforeAll(async () => {
    assertBuilt();
    if (!existsSync(HNSW)) throw new Error(`build @vecdex/index-hnswlib first (pnpm build); missing: ${HNSW}`);
    ({ dir, cleanup } = await tempProject());
  });
  afterAll(() => cleanup());

  it('init --plugin writes the plugin into "plugins"', async () => {
    const r = await vecdexOk(dir, ['init', '--plugin', HNSW]);
    expect(r.stderr).toBe('');
    const config = JSON.parse(await readFile(path.join(dir, 'vecdex.config.json'), 'utf8'));
    expect(config).toEqual({
      backend: { use: '@vecdex/backend-sqlitevec', options: { path: './vecdex.db' } },
      plugins: [HNSW],
    });
    const shown = JSON.parse((await vecdexOk(dir, ['config', '--json'])).stdout);
    expect(shown.plugins).toEqual([HNSW]);
  });

  it('creates an l2 collection of 200 items and a default hnswlib index over it', async () => {
    await vecdexOk(dir, ['collections', 'create', 'docs', '--dimensions', String(DIMS), '--metric', 'l2']);
    await writeFile(path.join(dir, 'base.jsonl'), jsonl(items(0, 200)));
    await vecdexOk(dir, ['import', 'docs', 'base.jsonl']);

    const r = await vecdexOk(dir, [
      'index',
      'create',
      'hnsw',
      '--plugin',
      'hnswlib',
      '--collections',
      'docs',
      '--param',
      'M=16',
      '--param',
      'efConstruction=100',
      '--default',
    ]);
    expect(r.stdout).toMatch(/created index "hnsw" \(hnswlib over docs, default for docs\)/);

    const list = JSON.parse((await vecdexOk(dir, ['index', 'list', '--json'])).stdout);
    expect(list).toEqual([
      expect.objectContaining({
        name: 'hnsw',
        plugin: 'hnswlib',
        collections: ['docs'],
        defaultFor: ['docs'],
        params: expect.objectContaining({ M: 16, efConstruction: 100 }),
      }),
    ]);
    const table = await vecdexOk(dir, ['index', 'list']);
    expect(table.stdout).toMatch(/^NAME\s+PLUGIN\s+COLLECTIONS\s+DEFAULT FOR\s+PARAMS\n/);
    expect(table.stdout).toMatch(/hnsw\s+hnswlib\s+docs\s+docs\s+M=16 efConstruction=100/);

    const info = JSON.parse((await vecdexOk(dir, ['collections', 'info', 'docs', '--json'])).stdout);
    expect(info.defaultIndex).toBe('hnsw');

    const unbuilt = await status();
    expect(unbuilt).toMatchObject({ built: false, items: 0, pendingChanges: 200 });
  });

  it('builds the index (no progress drawn when piped) and reports its status', async () => {
    const r = await vecdexOk(dir, ['index', 'build', 'hnsw']);
    expect(r.stdout).toMatch(/built index "hnsw": 200 items from docs/);
    expect(r.stderr).toBe('');
    expect(hasTerminalCodes(r.stdout + r.stderr)).toBe(false);

    const s = await status();
    expect(s).toMatchObject({ built: true, items: 200, deleted: 0, deletedFraction: 0, pendingChanges: 0, lastRebuild: null });
    expect(s.bytesOnDisk).toBeGreaterThan(0);
    expect(typeof s.lastSync).toBe('number');
    expect(s.stats).toMatchObject({ items: 200, M: 16, efConstruction: 100 });

    const text = (await vecdexOk(dir, ['index', 'status', 'hnsw'])).stdout;
    expect(text).toMatch(/built:\s+yes/);
    expect(text).toMatch(/items:\s+200\n/);
    expect(text).toMatch(/deleted:\s+0\n/);
    expect(text).toMatch(/deleted fraction:\s+0\.0%/);
    expect(text).toMatch(/pending changes:\s+0\n/);
    expect(text).toMatch(/size on disk:\s+[\d.]+ (B|KB|MB)/);
    expect(text).toMatch(/last sync:\s+\d{4}-\d\d-\d\dT[\d:.]+Z/);
    expect(text).toMatch(/cursor:\s+\S+/);
    expect(text).toMatch(/plugin stats:\n\s+items: 200/);
  });

  it('similar uses the default index and, with a high efSearch, matches exact search', async () => {
    const viaIndex = await vecdexOk(dir, ['similar', 'docs', '--vector', QUERY, '-k', '10', '--param', 'efSearch=200', '--json']);
    const hits: Hit[] = JSON.parse(viaIndex.stdout);
    expect(Array.isArray(hits)).toBe(true); // without --explain, --json is exactly the array
    expect(hits).toHaveLength(10);
    expect(Object.keys(hits[0] as Hit).sort()).toEqual(['collection', 'distance', 'id', 'metadata']);
    expect(viaIndex.stderr).toBe('');

    const exact: Hit[] = JSON.parse(
      (await vecdexOk(dir, ['similar', 'docs', '--vector', QUERY, '-k', '10', '--exact', '--json'])).stdout,
    );
    expect(hits.map((h) => h.id)).toEqual(exact.map((h) => h.id));
    for (const [i, h] of hits.entries()) expect(h.distance).toBeCloseTo((exact[i] as Hit).distance, 4);

    const explained = JSON.parse(
      (await vecdexOk(dir, ['similar', 'docs', '--vector', QUERY, '-k', '10', '--explain', '--json'])).stdout,
    );
    expect(Object.keys(explained).sort()).toEqual(['hits', 'plan']);
    expect(explained.plan).toMatchObject({ strategy: 'index', index: 'hnsw', pending: 0 });
    expect(explained.hits).toHaveLength(10);

    const exactPlan = JSON.parse(
      (await vecdexOk(dir, ['similar', 'docs', '--vector', QUERY, '--exact', '--explain', '--json'])).stdout,
    );
    expect(exactPlan.plan).toMatchObject({ strategy: 'exact', index: null });

    const text = (await vecdexOk(dir, ['similar', 'docs', '--id', 'd7', '-k', '3', '--index', 'hnsw', '--explain'])).stdout;
    expect(text).toMatch(/RANK\s+ID\s+DISTANCE/);
    expect(text).toMatch(/strategy:\s+index\n/);
    expect(text).toMatch(/index:\s+hnsw\n/);
    expect(text).toMatch(/reason:\s+\S/);
    expect(text).toMatch(/pending:\s+0/);
  });

  it('writes leave the index behind: status counts them, --stale error refuses, --stale allow searches as is', async () => {
    await writeFile(path.join(dir, 'more.jsonl'), jsonl(items(200, 210)));
    await vecdexOk(dir, ['import', 'docs', 'more.jsonl']);
    await vecdexOk(dir, ['delete', 'docs', 'd0', 'd1', 'd2', 'd3', 'd4']);

    expect(await status()).toMatchObject({ items: 200, pendingChanges: 15 });
    expect((await vecdexOk(dir, ['index', 'status', 'hnsw'])).stdout).toMatch(/pending changes:\s+15\n/);

    const refused = await vecdex(dir, ['similar', 'docs', '--vector', QUERY, '--stale', 'error']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/behind/);
    expect(refused.stdout).toBe('');

    const allowed = JSON.parse(
      (await vecdexOk(dir, ['similar', 'docs', '--vector', QUERY, '--stale', 'allow', '--explain', '--json'])).stdout,
    );
    expect(allowed.plan).toMatchObject({ strategy: 'index', pending: 15 });
    expect(await status()).toMatchObject({ pendingChanges: 15 }); // allow did not sync

    const badPolicy = await vecdex(dir, ['similar', 'docs', '--vector', QUERY, '--stale', 'later']);
    expect(badPolicy.code).toBe(2);
  });

  it('index sync applies just the changes', async () => {
    const r = await vecdexOk(dir, ['index', 'sync', 'hnsw']);
    expect(r.stdout).toMatch(/synced index "hnsw": applied 15 changes; 205 items, 0 pending/);
    expect(r.stderr).toBe('');
    const s = await status();
    expect(s).toMatchObject({ pendingChanges: 0, items: 205, lastRebuild: null });

    const json = JSON.parse((await vecdexOk(dir, ['index', 'sync', 'hnsw', '--json'])).stdout);
    expect(json).toMatchObject({ index: 'hnsw', applied: 0, rebuilt: null, status: { items: 205, pendingChanges: 0 } });
  });

  it('--explain says when the search synced changes into the index first', async () => {
    await writeFile(path.join(dir, 'again.jsonl'), jsonl(items(10, 13)));
    await vecdexOk(dir, ['import', 'docs', 'again.jsonl']);
    const text = (await vecdexOk(dir, ['similar', 'docs', '--vector', QUERY, '-k', '3', '--explain'])).stdout;
    expect(text).toMatch(/pending:\s+0 \(synced 3 changes into the index before answering\)/);
    const json = JSON.parse(
      (await vecdexOk(dir, ['similar', 'docs', '--vector', QUERY, '-k', '3', '--explain', '--json'])).stdout,
    );
    expect(json.plan).toMatchObject({ strategy: 'index', pending: 0 });
    expect(json.plan.synced).toBeUndefined(); // nothing left to sync the second time
  });

  it('later processes load the index from disk instead of rebuilding it', async () => {
    const before = await status();
    const hits: Hit[] = JSON.parse(
      (await vecdexOk(dir, ['similar', 'docs', '--vector', QUERY, '-k', '10', '--param', 'efSearch=200', '--json'])).stdout,
    );
    expect(hits.map((h) => h.id)).not.toContain('d0'); // deleted items are gone from the index
    const exact: Hit[] = JSON.parse(
      (await vecdexOk(dir, ['similar', 'docs', '--vector', QUERY, '-k', '10', '--exact', '--json'])).stdout,
    );
    expect(hits.map((h) => h.id)).toEqual(exact.map((h) => h.id));
    const after = await status();
    expect(after.lastSync).toBe(before.lastSync);
    expect(after.cursor).toBe(before.cursor);
    expect(after.lastRebuild).toBeNull();
    expect((after.stats as { generation?: unknown }).generation).toEqual((before.stats as { generation?: unknown }).generation);
  });

  it("collections delete on an indexed collection fails with core's error", async () => {
    const r = await vecdex(dir, ['collections', 'delete', 'docs', '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/covered by index\(es\) "hnsw"/);
    expect(r.stderr).toMatch(/vecdex index drop hnsw/);
  });

  it('index drop asks first (refuses off a terminal without --yes), then similar falls back to exact search', async () => {
    const refused = await vecdex(dir, ['index', 'drop', 'hnsw']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    expect(JSON.parse((await vecdexOk(dir, ['index', 'list', '--json'])).stdout)).toHaveLength(1);

    const r = await vecdexOk(dir, ['index', 'drop', 'hnsw', '--yes']);
    expect(r.stdout).toMatch(/dropped index "hnsw"/);
    expect(JSON.parse((await vecdexOk(dir, ['index', 'list', '--json'])).stdout)).toEqual([]);
    const info = JSON.parse((await vecdexOk(dir, ['collections', 'info', 'docs', '--json'])).stdout);
    expect(info.defaultIndex).toBeNull();

    const explained = JSON.parse((await vecdexOk(dir, ['similar', 'docs', '--vector', QUERY, '--explain', '--json'])).stdout);
    expect(explained.plan).toMatchObject({ strategy: 'exact', index: null });

    const gone = await vecdex(dir, ['index', 'status', 'hnsw']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/unknown index "hnsw"/);
    const again = await vecdex(dir, ['index', 'drop', 'hnsw', '--yes']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/unknown index "hnsw"/);
  });

  it("errors exit 1 with core's message: unknown index, different dimensions, unknown plugin, bad params", async () => {
    const unknown = await vecdex(dir, ['similar', 'docs', '--vector', QUERY, '--index', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown index "nope"/);

    await vecdexOk(dir, ['collections', 'create', 'small', '--dimensions', '4', '--metric', 'l2']);
    const shapes = await vecdex(dir, ['index', 'create', 'both', '--plugin', 'hnswlib', '--collections', 'docs,small']);
    expect(shapes.code).toBe(1);
    expect(shapes.stderr).toMatch(/"docs" is 8-d l2, "small" is 4-d l2/);

    const plugin = await vecdex(dir, ['index', 'create', 'x', '--plugin', 'faiss', '--collections', 'docs']);
    expect(plugin.code).toBe(1);
    expect(plugin.stderr).toMatch(/no index plugin named "faiss"/);
    expect(plugin.stderr).toMatch(/"plugins"/);

    const pluginJson = await vecdex(dir, ['index', 'create', 'x', '--plugin', 'faiss', '--collections', 'docs', '--json']);
    expect(pluginJson.code).toBe(1);
    expect(JSON.parse(pluginJson.stderr).error).toMatchObject({
      code: 'PLUGIN_NOT_FOUND',
      message: expect.stringMatching(/plugins/),
    });

    const param = await vecdex(dir, ['index', 'create', 'x', '--plugin', 'hnswlib', '--collections', 'docs', '--param', 'M=big']);
    expect(param.code).toBe(1);
    expect(param.stderr).toMatch(/M must be an integer/);
    const malformed = await vecdex(dir, ['index', 'create', 'x', '--plugin', 'hnswlib', '--collections', 'docs', '--param', 'M']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/key=value/);

    const conflict = await vecdex(dir, ['similar', 'docs', '--vector', QUERY, '--exact', '--index', 'x']);
    expect(conflict.code).toBe(2);

    expect(JSON.parse((await vecdexOk(dir, ['index', 'list', '--json'])).stdout)).toEqual([]);
  });
});
