/**
 * A user's fresh project made from packed workspace packages, for pack-and-install tests of the
 * framework adapters: `pnpm pack` each package, `npm install` the tarballs plus registry
 * packages (pinned) into an empty temp directory, then run scripts there with plain Node.
 *
 * ```ts
 * const project = await freshProject({ packages: ['packages/core', 'packages/langchain'], registry: ['@langchain/core@1.4.0'] })
 * const { stdout } = await project.node('use.mjs', "import '@vecdex/langchain'")
 * await project.remove()
 * ```
 *
 * `npm install --ignore-scripts`: better-sqlite3 (under @vecdex/backend-sqlitevec) would compile
 * from source for a minute; with `nativeSqlite: true` its binary is instead the one the
 * workspace built from the same version's source, copied in as prebuild-install would place a
 * downloaded prebuilt (this machine cannot download one), so SQLite really opens in the project.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** The environment without pnpm's npm_* settings and any VECDEX_* override of the caller. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|VECDEX_)/i.test(k)) env[k] = v;
  return { ...env, NO_COLOR: '1', ...extra };
}

export interface FreshProjectOptions {
  /** Workspace package folders to pack and install, e.g. `packages/core`. */
  packages: readonly string[];
  /** Registry packages with exact versions, e.g. `@langchain/core@1.4.0`. */
  registry?: readonly string[];
  /** Put the workspace's better-sqlite3 binary into the project's better-sqlite3. */
  nativeSqlite?: boolean;
}

export interface FreshProject {
  dir: string;
  /** Milliseconds spent packing and installing. */
  setupMs: { pack: number; install: number };
  /** Write `code` to `file` in the project and run it with Node; rejects with its stderr on failure. */
  node(file: string, code: string, env?: Record<string, string>): Promise<{ stdout: string; stderr: string }>;
  remove(): Promise<void>;
}

export async function freshProject(options: FreshProjectOptions): Promise<FreshProject> {
  for (const p of options.packages) {
    if (!existsSync(path.join(ROOT, p, 'dist', 'index.js'))) throw new Error(`${p} is not built: run \`pnpm build\` first`);
  }
  const tarballs = await mkdtemp(path.join(os.tmpdir(), 'vecdex-tarballs-'));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vecdex-user-project-'));
  const t0 = performance.now();
  for (const p of options.packages) {
    await run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: path.join(ROOT, p), env: cleanEnv() });
  }
  const files = (await readdir(tarballs)).filter((f) => f.endsWith('.tgz')).map((f) => path.join(tarballs, f));
  if (files.length !== options.packages.length)
    throw new Error(`packed ${files.length} tarballs for ${options.packages.length} packages`);
  const t1 = performance.now();
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
  await run(
    'npm',
    ['install', ...files, ...(options.registry ?? []), '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'],
    { cwd: dir, env: cleanEnv(), maxBuffer: 16 << 20 },
  );
  await rm(tarballs, { recursive: true, force: true });
  if (options.nativeSqlite === true) await copySqliteBinary(dir);
  const setupMs = { pack: Math.round(t1 - t0), install: Math.round(performance.now() - t1) };
  return {
    dir,
    setupMs,
    async node(file, code, env = {}) {
      await writeFile(path.join(dir, file), code);
      return run(process.execPath, [file], { cwd: dir, env: cleanEnv(env), maxBuffer: 16 << 20 });
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The workspace's compiled better-sqlite3, into the project's copy of the same version. */
async function copySqliteBinary(dir: string): Promise<void> {
  const fromBackend = createRequire(path.join(ROOT, 'packages', 'backend-sqlitevec', 'package.json'));
  const workspacePkg = fromBackend.resolve('better-sqlite3/package.json');
  const projectPkg = path.join(dir, 'node_modules', 'better-sqlite3', 'package.json');
  const [have, want] = await Promise.all(
    [workspacePkg, projectPkg].map(async (f) => JSON.parse(await readFile(f, 'utf8')).version),
  );
  if (have !== want) throw new Error(`the workspace built better-sqlite3 ${have}, the project installed ${want}`);
  const release = path.join('build', 'Release', 'better_sqlite3.node');
  await mkdir(path.join(path.dirname(projectPkg), 'build', 'Release'), { recursive: true });
  await copyFile(path.join(path.dirname(workspacePkg), release), path.join(path.dirname(projectPkg), release));
}
