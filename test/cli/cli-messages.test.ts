/** CLI messages from the outside review (issue 13.16): say everything that is missing, in the CLI's own words. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, jsonl, tempProject, vecdex, vecdexOk } from './run-vecdex.js';

describe('vecdex CLI messages', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    assertBuilt();
    ({ dir, cleanup } = await tempProject());
    await vecdexOk(dir, ['init']);
  });
  afterAll(() => cleanup());

  it('collections create and index create name every missing input at once', async () => {
    const c = await vecdex(dir, ['collections', 'create']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/collections create needs a collection name and --dimensions <n>/);
    expect(c.stderr).toMatch(/hint: for example: vecdex collections create docs --dimensions 768/);
    const i = await vecdex(dir, ['index', 'create', 'foo']);
    expect(i.code).toBe(2);
    expect(i.stderr).toMatch(/index create needs --plugin <name> and --collections <a,b>/);
  });

  it('errors speak CLI, not API', async () => {
    const r = await vecdex(dir, ['similar', 'nope', '--vector', '[1,0]']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/create it first with `vecdex collections create`/);
    expect(r.stderr).not.toMatch(/collections\.create\(\)/);
  });

  it('says "1 item", and hints when a filter compares a number field with a string', async () => {
    await vecdexOk(dir, ['collections', 'create', 'docs', '--dimensions', '2']);
    await writeFile(path.join(dir, 'one.jsonl'), jsonl([{ id: 'a', vector: [1, 0], metadata: { year: 2015 } }]));
    expect((await vecdexOk(dir, ['import', 'docs', 'one.jsonl'])).stdout).toMatch(/imported 1 item into "docs"/);

    const none = await vecdexOk(dir, ['similar', 'docs', '--vector', '[1,0]', '--filter', '{"year": {"$gte": "2010"}}']);
    expect(none.stderr).toMatch(/no results/);
    expect(none.stderr).toMatch(
      /hint: the filter compares "year" with the string "2010": if "year" holds numbers, write 2010 without quotes/,
    );
    const hit = await vecdexOk(dir, ['similar', 'docs', '--vector', '[1,0]', '--filter', '{"year": {"$gte": 2010}}']);
    expect(hit.stdout).toMatch(/\ba\b/);
    expect(hit.stderr).not.toMatch(/hint/);
  });
});
