// Every ```ts / ```typescript block of README.md, packages/*/README.md and docs/*.md, type-checked
// against the workspace packages. Each block is a module of its own (top-level await allowed);
// `ts file=some/path.ts` places it at that path so samples that import each other resolve;
// fragments may use the context of sample-stubs/context.d.ts (vx, docs, q, ...) and the stubs
// beside it; ```ts nocheck skips a block (keep those few, with a reason next to them).
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const work = path.join(here, '.samples-tmp');

interface Sample {
  doc: string;
  line: number;
  file: string;
  code: string;
}

async function markdownFiles(): Promise<string[]> {
  const files = ['README.md'];
  for (const pkg of await readdir(path.join(root, 'packages'))) {
    const readme = path.join('packages', pkg, 'README.md');
    if (
      await readFile(path.join(root, readme)).then(
        () => true,
        () => false,
      )
    )
      files.push(readme);
  }
  for (const doc of await readdir(path.join(root, 'docs'))) if (doc.endsWith('.md')) files.push(path.join('docs', doc));
  return files;
}

function extractSamples(doc: string, text: string): Sample[] {
  const samples: Sample[] = [];
  const lines = text.split('\n');
  const slug = doc.replace(/\.md$/, '').replace(/[^a-zA-Z0-9]+/g, '-');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|typescript)(\s.*)?$/.exec(lines[i] ?? '');
    if (!open) continue;
    const attrs = (open[2] ?? '').trim().split(/\s+/).filter(Boolean);
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end] ?? '')) end++;
    i = end;
    if (attrs.includes('nocheck')) continue;
    const named = attrs.find((a) => a.startsWith('file='))?.slice('file='.length);
    const file = path.join(slug, named ?? `line-${start}.ts`);
    samples.push({ doc, line: start, file, code: `${lines.slice(start, end).join('\n')}\nexport {}\n` });
  }
  return samples;
}

describe('code samples in the docs', () => {
  afterAll(() => rm(work, { recursive: true, force: true }));

  it('every ts block type-checks against the packages', { timeout: 120_000 }, async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
    const samples: Sample[] = [];
    for (const doc of await markdownFiles()) {
      samples.push(...extractSamples(doc, await readFile(path.join(root, doc), 'utf8')));
    }
    expect(samples.length).toBeGreaterThan(20);
    const slugs = new Set(samples.map((s) => s.file.split(path.sep)[0]));
    for (const slug of slugs) {
      await cp(path.join(here, 'sample-stubs'), path.join(work, slug ?? ''), { recursive: true });
    }
    const byFile = new Map<string, Sample>();
    for (const s of samples) {
      expect(byFile.has(s.file), `${s.doc}:${s.line} reuses file=${s.file}`).toBe(false);
      byFile.set(s.file, s);
      await mkdir(path.dirname(path.join(work, s.file)), { recursive: true });
      await writeFile(path.join(work, s.file), s.code);
    }
    await writeFile(path.join(work, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    await writeFile(
      path.join(work, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../../tsconfig.base.json',
        compilerOptions: { noEmit: true, declaration: false, declarationMap: false, sourceMap: false },
        include: ['**/*.ts'],
      }),
    );
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const out = await run(process.execPath, [tsc, '-p', work, '--pretty', 'false'], { cwd: work }).then(
      (r) => r.stdout,
      (e: { stdout?: string }) => e.stdout ?? String(e),
    );
    // Point each diagnostic at the markdown line it comes from.
    const problems = out
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        const m = /^(.+?)\((\d+),(\d+)\): (.*)$/.exec(l);
        const sample = m ? byFile.get(path.normalize(m[1] ?? '')) : undefined;
        return sample && m ? `${sample.doc}:${sample.line + Number(m[2]) - 1}: ${m[4]}` : l;
      });
    expect(problems).toEqual([]);
  });
});
