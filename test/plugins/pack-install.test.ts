import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The third-party path end to end, as a user and a plugin author meet it: pack the workspace
 * packages with `pnpm pack`, install the tarballs into an empty project with npm, configure
 * vecdex there to use the example backend and index plugin, drive the installed CLI, and run
 * both conformance suites from the installed `@vecdex/core/testing` with the project's vitest.
 *
 * `npm install --ignore-scripts`: the CLI depends on @vecdex/backend-sqlitevec (its bundled
 * default), whose better-sqlite3 would otherwise compile from source (about a minute on 2
 * cores). This project never opens SQLite, so the native build is skipped; everything used
 * here is plain JavaScript. npm's cache makes reruns fast (first run ~25 s of downloads).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGES = [
  'packages/core',
  'packages/backend-sqlitevec',
  'packages/cli',
  'examples/backend-jsonfile',
  'examples/index-bruteforce',
];
const VITEST = '3.2.7';

const run = promisify(execFile);
let project: string;
let tarballs: string;
const timings: Record<string, number> = {};

/** The environment without pnpm's npm_* settings and any VECDEX_* override of the caller. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|VECDEX_)/i.test(k)) env[k] = v;
  return { ...env, NO_COLOR: '1', ...extra };
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    timings[label] = Math.round(performance.now() - start);
  }
}

/** Run the installed CLI in the project; never throws, returns exit code and output. */
async function vecdex(args: string[], env: Record<string, string> = {}) {
  const bin = path.join(project, 'node_modules', 'vecdex', 'bin', 'vecdex.js');
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: project, env: cleanEnv(env) });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

beforeAll(async () => {
  for (const p of PACKAGES) {
    if (!existsSync(path.join(ROOT, p, 'dist', 'index.js'))) throw new Error(`${p} is not built: run \`pnpm build\` first`);
  }
  tarballs = await mkdtemp(path.join(os.tmpdir(), 'vecdex-tarballs-'));
  project = await mkdtemp(path.join(os.tmpdir(), 'vecdex-user-project-'));
  await timed('pnpm pack (5 packages)', async () => {
    for (const p of PACKAGES)
      await run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: path.join(ROOT, p), env: cleanEnv() });
  });
  const files = (await readdir(tarballs)).filter((f) => f.endsWith('.tgz')).map((f) => path.join(tarballs, f));
  expect(files).toHaveLength(PACKAGES.length);
  await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
  await timed('npm install tarballs + vitest', () =>
    run('npm', ['install', ...files, `vitest@${VITEST}`, '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: project,
      env: cleanEnv(),
      maxBuffer: 16 << 20,
    }),
  );
  await writeFile(
    path.join(project, 'vecdex.config.json'),
    JSON.stringify({
      backend: { use: 'vecdex-backend-jsonfile', options: { path: './data/store.json' } },
      plugins: ['vecdex-index-bruteforce'],
      dataDir: '.vecdex',
    }),
  );
}, 170_000);

afterAll(async () => {
  console.log(`pack-install timings (ms): ${JSON.stringify(timings)}`);
  if (project) await rm(project, { recursive: true, force: true });
  if (tarballs) await rm(tarballs, { recursive: true, force: true });
});

describe('packed packages installed into a fresh project', () => {
  it('installs one copy of @vecdex/core, from the packed tarball, shared by the CLI and the plugins', async () => {
    const core = JSON.parse(await readFile(path.join(project, 'node_modules', '@vecdex', 'core', 'package.json'), 'utf8'));
    const workspace = JSON.parse(await readFile(path.join(ROOT, 'packages', 'core', 'package.json'), 'utf8'));
    expect(core.version).toBe(workspace.version);
    for (const dependent of ['vecdex', 'vecdex-backend-jsonfile', 'vecdex-index-bruteforce', '@vecdex/backend-sqlitevec']) {
      expect(existsSync(path.join(project, 'node_modules', dependent, 'node_modules', '@vecdex', 'core')), dependent).toBe(false);
    }
    // pnpm pack replaced the workspace: protocol with a version range npm understands.
    const cli = JSON.parse(await readFile(path.join(project, 'node_modules', 'vecdex', 'package.json'), 'utf8'));
    expect(cli.dependencies['@vecdex/core']).toBe(`^${workspace.version}`);
  });

  it('the CLI runs on the example backend and index plugin named in vecdex.config.json', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 300; i++) {
      const vector = Array.from({ length: 8 }, (_, d) => Math.sin(i * 7 + d * 3) + (i % 5) * 0.1);
      lines.push(JSON.stringify({ id: `i${i}`, vector, metadata: { n: i, even: i % 2 === 0 } }));
    }
    await writeFile(path.join(project, 'items.jsonl'), `${lines.join('\n')}\n`);
    await timed('CLI workflow', async () => {
      const create = await vecdex(['collections', 'create', 'docs', '--dimensions', '8', '--metric', 'l2']);
      expect(create.stderr).toBe('');
      expect(create.code).toBe(0);
      const imported = await vecdex(['import', 'docs', 'items.jsonl']);
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stdout).toContain('imported 300 items');
      expect(existsSync(path.join(project, 'data', 'store.json')), 'the jsonfile backend wrote its file').toBe(true);

      const exact = await vecdex(['similar', 'docs', '--id', 'i3', '-k', '5', '--exact', '--json']);
      expect(exact.code, exact.stderr).toBe(0);
      const exactHits = JSON.parse(exact.stdout) as { id: string; distance: number }[];
      expect(exactHits).toHaveLength(5);
      expect(exactHits.map((h) => h.id)).not.toContain('i3');

      const defined = await vecdex(['index', 'create', 'flat', '--plugin', 'bruteforce', '--collections', 'docs']);
      expect(defined.code, defined.stderr).toBe(0);
      const built = await vecdex(['index', 'build', 'flat']);
      expect(built.code, built.stderr).toBe(0);
      expect(built.stdout).toContain('300 items');
      // The example saves through the plugin kit of the packed core: a manifest beside its files.
      const indexDir = path.join(project, '.vecdex', 'indexes', 'flat');
      expect(existsSync(path.join(indexDir, 'manifest.json')), 'the index plugin saved its files').toBe(true);
      expect(existsSync(path.join(indexDir, 'index.1.f32')), 'the index plugin saved its vectors').toBe(true);

      // A new process loads the index from disk and answers through it, exactly (it is a flat index).
      const viaIndex = await vecdex(['similar', 'docs', '--id', 'i3', '-k', '5', '--index', 'flat', '--json', '--explain']);
      expect(viaIndex.code, viaIndex.stderr).toBe(0);
      const { plan, hits } = JSON.parse(viaIndex.stdout) as { plan: { strategy: string; index: string }; hits: typeof exactHits };
      expect(plan).toMatchObject({ strategy: 'index', index: 'flat' });
      expect(hits.map((h) => h.id)).toEqual(exactHits.map((h) => h.id));

      const status = await vecdex(['index', 'status', 'flat', '--json']);
      expect(status.code, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ items: 300, pendingChanges: 0 });
    });
  }, 60_000);

  it('a backend package that is not installed is refused naming it and saying how to install it', async () => {
    const r = await vecdex(['collections', 'list'], { VECDEX_BACKEND: 'vecdex-backend-not-installed' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('plugin package "vecdex-backend-not-installed" is not installed');
    expect(r.stderr).toContain('npm install vecdex-backend-not-installed');
  });

  it('a CommonJS project require()s each packed package and uses it (Node >= 20.19)', async () => {
    await writeFile(
      path.join(project, 'use-from-cjs.cjs'),
      `'use strict';
const core = require('@vecdex/core');
const kit = require('@vecdex/core/plugin-kit');
const sqlitevec = require('@vecdex/backend-sqlitevec');
const cli = require('vecdex');
const err = new core.VecdexError('INVALID_ARGUMENT', 'from CommonJS');
console.log(JSON.stringify({
  vecdexError: core.isVecdexError(err) && err.code,
  metric: core.isMetric('cosine'),
  sha256: kit.sha256(Buffer.from('abc')),
  sqlitevec: typeof sqlitevec.SQLITEVEC_CAPABILITIES,
  program: typeof cli.buildProgram,
}));
`,
    );
    const { stdout, stderr } = await run(process.execPath, ['use-from-cjs.cjs'], { cwd: project, env: cleanEnv() });
    expect(JSON.parse(stdout), stderr).toEqual({
      vecdexError: 'INVALID_ARGUMENT',
      metric: true,
      sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      sqlitevec: 'object',
      program: 'function',
    });
  });

  it("both conformance suites run from the installed @vecdex/core/testing with the project's own vitest", async () => {
    await writeFile(
      path.join(project, 'conformance.test.mjs'),
      `import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { backendConformanceSuite, indexConformanceSuite } from '@vecdex/core/testing';
import { createJsonFileBackend } from 'vecdex-backend-jsonfile';
import bruteforce from 'vecdex-index-bruteforce';

backendConformanceSuite({
  name: 'jsonfile',
  skip: { sharedStore: true },
  createLocation: async () => path.join(await mkdtemp(path.join(os.tmpdir(), 'jsonfile-')), 'store.json'),
  open: (location, { clock } = {}) => createJsonFileBackend(clock ? { path: location, clock } : { path: location }),
  destroyLocation: (location) => rm(path.dirname(location), { recursive: true, force: true }),
});

indexConformanceSuite({ plugin: bruteforce, exact: true });
`,
    );
    const bin = path.join(project, 'node_modules', 'vitest', 'vitest.mjs');
    const { stdout } = await timed('conformance suites in the project', () =>
      run(process.execPath, [bin, 'run', '--reporter=json'], { cwd: project, env: cleanEnv(), maxBuffer: 64 << 20 }),
    );
    const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as {
      success: boolean;
      numPassedTests: number;
      numFailedTests: number;
      testResults: { assertionResults: { ancestorTitles: string[] }[] }[];
    };
    expect(report.numFailedTests).toBe(0);
    expect(report.success).toBe(true);
    const suites = new Set(report.testResults.flatMap((f) => f.assertionResults.map((a) => a.ancestorTitles[0])));
    expect([...suites].sort()).toEqual(['bruteforce index conformance', 'jsonfile backend conformance']);
    expect(report.numPassedTests).toBeGreaterThan(100);
  }, 90_000);
});
