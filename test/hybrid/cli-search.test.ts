import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, jsonl, tempProject, vecdex, vecdexOk } from '../cli/run-vecdex.js';

/** `vecdex search` (keyword, hybrid) and `vecdex similar --text`, through the real bin. */
describe('vecdex search', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    assertBuilt();
    ({ dir, cleanup } = await tempProject());
    await writeFile(path.join(dir, 'package.json'), '{"name":"p"}');
    await vecdexOk(dir, ['init']);
    await vecdexOk(dir, ['collections', 'create', 'docs', '--dimensions', '3', '--metric', 'l2']);
    await writeFile(
      path.join(dir, 'items.jsonl'),
      jsonl([
        { id: 'coat', vector: [0, 0, 1], content: 'a warm wool coat', metadata: { lang: 'en' } },
        { id: 'socks', vector: [0, 1, 0], content: 'wool socks', metadata: { lang: 'de' } },
        { id: 'near', vector: [1, 0, 0], content: 'a summer dress', metadata: { lang: 'en' } },
        { id: 'near2', vector: [0.9, 0.1, 0], content: 'raincoat', metadata: { lang: 'de' } },
      ]),
    );
    await vecdexOk(dir, ['import', 'docs', 'items.jsonl']);
  });
  afterAll(() => cleanup?.());

  it('keyword only: hostile text is plain words', async () => {
    const r = await vecdexOk(dir, ['search', 'docs', '--text', 'wool" AND content:* NEAR(', '--json']);
    const hits = JSON.parse(r.stdout) as { id: string; keywordScore: number; distance: number | null }[];
    expect(hits.map((h) => h.id).sort()).toEqual(['coat', 'socks']);
    expect(hits.every((h) => typeof h.keywordScore === 'number' && h.distance === null)).toBe(true);
  });

  it('hybrid: fuses both sides, filter on both, --explain shows the plan', async () => {
    const r = await vecdexOk(dir, ['search', 'docs', '--text', 'wool', '--vector', '[1,0,0]', '-k', '4', '--explain', '--json']);
    const { plan, hits } = JSON.parse(r.stdout) as {
      plan: { strategy: string; reason: string };
      hits: { id: string; score: number }[];
    };
    expect(plan.strategy).toBe('hybrid');
    expect(plan.reason).toMatch(/reciprocal rank fusion \(k = 60/);
    const ids = hits.map((h) => h.id);
    expect(ids).toContain('near');
    expect(ids).toContain('coat');
    const filtered = await vecdexOk(dir, [
      'search',
      'docs',
      '--text',
      'wool',
      '--vector',
      '[1,0,0]',
      '--filter',
      '{"lang":"de"}',
      '--json',
    ]);
    expect((JSON.parse(filtered.stdout) as { id: string }[]).map((h) => h.id).sort()).toEqual(['near2', 'socks']);
    const table = await vecdexOk(dir, [
      'search',
      'docs',
      '--text',
      'wool',
      '--id',
      'near',
      '--keyword-weight',
      '2',
      '--rrf-k',
      '10',
    ]);
    expect(table.stdout).toMatch(/RANK\s+ID\s+SCORE\s+DISTANCE\s+KEYWORD/);
    expect(
      table.stdout.split('\n').some((l) => /^\s*\d+\s+near\s/.test(l)),
      'the query item is left out',
    ).toBe(false);
    expect(table.stdout.split('\n').some((l) => /^\s*\d+\s+socks\s/.test(l))).toBe(true);
  });

  it('similar --text is hybrid too; usage errors exit 2', async () => {
    const r = await vecdexOk(dir, ['similar', 'docs', '--vector', '[1,0,0]', '--text', 'socks', '-k', '2', '--json']);
    const hits = JSON.parse(r.stdout) as { id: string; score: number }[];
    expect(hits.map((h) => h.id).sort()).toEqual(['near', 'socks']);
    expect(typeof hits[0]?.score).toBe('number');
    expect((await vecdex(dir, ['search', 'docs'])).code).toBe(2);
    expect((await vecdex(dir, ['search', 'docs', '--text', 'x', '--vector', '[1,0,0]', '--id', 'near'])).code).toBe(2);
    expect((await vecdex(dir, ['search', 'docs', '--text', 'x', '--rrf-k', '-1'])).code).toBe(2);
  });
});
