import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globFiles, globToRegex } from '../src/ingest/glob-files.js';

describe('globToRegex', () => {
  const match = (glob: string, p: string) => new RegExp(`^${globToRegex(glob)}$`).test(p);
  it('keeps * and ? inside one directory, lets ** span directories', () => {
    expect(match('*.md', 'a.md')).toBe(true);
    expect(match('*.md', 'x/a.md')).toBe(false);
    expect(match('**/*.md', 'a.md')).toBe(true);
    expect(match('**/*.md', 'x/y/a.md')).toBe(true);
    expect(match('?.txt', 'a.txt')).toBe(true);
    expect(match('?.txt', 'ab.txt')).toBe(false);
    expect(match('*.{md,txt}', 'a.txt')).toBe(true);
    expect(match('*.{md,txt}', 'a.js')).toBe(false);
    expect(match('[ab].md', 'b.md')).toBe(true);
    expect(match('[ab].md', 'c.md')).toBe(false);
    expect(match('a+b(1).md', 'a+b(1).md')).toBe(true);
    expect(match('a.md', 'aXmd')).toBe(false);
  });
});

describe('globFiles', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vecdex-glob-'));
    for (const f of ['docs/a.md', 'docs/sub/b.md', 'docs/c.txt', 'docs/.hidden/d.md', 'docs/node_modules/e.md']) {
      await mkdir(path.dirname(path.join(dir, f)), { recursive: true });
      await writeFile(path.join(dir, f), f);
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('walks from the pattern base, sorted, skipping hidden directories and node_modules', async () => {
    const rel = (files: string[]) => files.map((f) => path.relative(dir, f).split(path.sep).join('/'));
    expect(rel(await globFiles('docs/**/*.md', dir))).toEqual(['docs/a.md', 'docs/sub/b.md']);
    expect(rel(await globFiles('docs/*', dir))).toEqual(['docs/a.md', 'docs/c.txt']);
    expect(rel(await globFiles('docs/.hidden/*.md', dir))).toEqual(['docs/.hidden/d.md']);
    expect(await globFiles('nowhere/**/*.md', dir)).toEqual([]);
  });
});
