import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG = fileURLToPath(new URL('./fixtures/vitest.mutants.config.ts', import.meta.url));

/** Failed test titles (`area > title`) by mutant, and how many of each mutant's tests passed. */
let results: Map<string, { passed: number; failed: string[] }>;

interface JsonReport {
  testResults: { assertionResults: { ancestorTitles: string[]; title: string; status: string }[] }[];
}

// The index conformance suite must fail plugins with real bugs: the mutants in
// fixtures/index-mutants.fixture.ts are the example bruteforce index with one bug each.
beforeAll(async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vecdex-mutants-'));
  const out = path.join(dir, 'report.json');
  try {
    const vitest = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
    // Failing mutants make the run exit non-zero; the report says which tests failed.
    const run = await promisify(execFile)(
      process.execPath,
      [vitest, 'run', '--config', CONFIG, '--reporter=json', `--outputFile=${out}`],
      { cwd: ROOT, maxBuffer: 64 << 20 },
    ).catch((e: { stdout?: string; stderr?: string }) => e);
    const text = await readFile(out, 'utf8').catch(() => null);
    if (text === null) throw new Error(`the mutant run wrote no report:\n${run.stderr ?? ''}\n${run.stdout ?? ''}`);
    const report = JSON.parse(text) as JsonReport;
    results = new Map();
    for (const file of report.testResults) {
      for (const a of file.assertionResults) {
        const suite = (a.ancestorTitles[0] ?? '').replace(/^mutant (.*) index conformance$/, '$1');
        const entry = results.get(suite) ?? { passed: 0, failed: [] };
        if (a.status === 'failed') entry.failed.push(`${a.ancestorTitles.slice(1).join(' > ')} > ${a.title}`);
        else if (a.status === 'passed') entry.passed++;
        results.set(suite, entry);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 120_000);

describe('the index conformance suite catches broken plugins', () => {
  it('passes the unbroken control in full', () => {
    const control = results.get('control');
    expect(control?.failed).toEqual([]);
    expect(control?.passed).toBeGreaterThan(30);
    // Every mutant ran the whole suite: its tests passed or failed, none vanished.
    for (const [name, r] of results) expect(r.passed + r.failed.length, name).toBe(control?.passed);
  });

  it.each([
    ['id-only keys', 'build > builds from uneven batches over several collections whose ids overlap'],
    ['id-only keys', "apply > a delete removes only that collection's key"],
    ['ignores allow', 'search > allow is honoured: a collection, a predicate on ids, and a handful of keys'],
    ['ignores deletes', "apply > a delete removes only that collection's key"],
    ['ignores deletes', 'save, load and drop > a new instance loads what save wrote: same entries, same answers'],
    ['one hit short', 'search > returns exactly the k nearest, rank by rank'],
    [
      'trusting load',
      'save, load and drop > load returns false when every saved file is overwritten with garbage of the same size',
    ],
    ['trusting load', 'save, load and drop > load returns false when a saved file is truncated'],
    ['trusting load', 'save, load and drop > load returns false in a directory without files, and the instance still builds'],
    ['drop keeps files', 'save, load and drop > drop removes the files, after which a load returns false'],
    ['cosine as l2', 'metrics > cosine: hits carry cosine distances and match brute force'],
    [
      'accepts any params',
      'plugin spec and params > normalizeParams refuses {"notAParameter":1} with INVALID_ARGUMENT naming notAParameter',
    ],
    ['poor recall', 'search > returns the k nearest with recall >= 0.9'],
  ])('mutant "%s" fails "%s"', (mutant, title) => {
    const r = results.get(mutant);
    expect(r, `mutant ${mutant} ran`).toBeDefined();
    expect(r?.failed).toContain(title);
  });

  it('fails no mutant on unrelated areas it does not touch', () => {
    // A bug in drop or in params is caught there and nowhere else: failures point at the bug.
    expect(results.get('drop keeps files')?.failed).toHaveLength(1);
    expect(results.get('accepts any params')?.failed).toHaveLength(1);
    for (const f of results.get('trusting load')?.failed ?? []) expect(f).toMatch(/^save, load and drop > /);
  });
});
