import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The real bin, run as users run it: `node packages/cli/bin/vecdex.js`. */
export const BIN = fileURLToPath(new URL('../../packages/cli/bin/vecdex.js', import.meta.url));

const DIST = ['packages/core/dist/index.js', 'packages/backend-sqlitevec/dist/index.js', 'packages/cli/dist/index.js'].map((p) =>
  fileURLToPath(new URL(`../../${p}`, import.meta.url)),
);

/** These tests run the built packages: fail early with what to do when a build is missing. */
export function assertBuilt(): void {
  const missing = DIST.filter((f) => !existsSync(f));
  if (missing.length > 0) throw new Error(`build the packages first (pnpm build); missing: ${missing.join(', ')}`);
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment without the caller's VECDEX_* settings, so the machine running tests cannot leak in. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VECDEX_')) env[k] = v;
  return { ...env, ...extra };
}

/** Run `vecdex <args>` in `cwd` with stdin (fed `input`, if any), stdout and stderr piped (never a terminal). */
export function vecdex(
  cwd: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: cleanEnv(options.env), maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(options.input);
  });
}

/** Like {@link vecdex} but fails the test unless the exit status is 0. */
export async function vecdexOk(
  cwd: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<RunResult> {
  const r = await vecdex(cwd, args, options);
  if (r.code !== 0) throw new Error(`vecdex ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** A fresh empty project directory, removed by the returned cleanup. */
export async function tempProject(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vecdex-cli-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** JSONL text from items. */
export function jsonl(items: readonly unknown[]): string {
  return `${items.map((i) => JSON.stringify(i)).join('\n')}\n`;
}

/** An .fvecs file's bytes: per vector, an int32 LE dimension then float32 LE values. */
export function fvecs(vectors: readonly (readonly number[])[]): Buffer {
  const size = vectors.reduce((n, v) => n + 4 + 4 * v.length, 0);
  const buf = Buffer.alloc(size);
  let at = 0;
  for (const v of vectors) {
    buf.writeInt32LE(v.length, at);
    at += 4;
    for (const x of v) {
      buf.writeFloatLE(x, at);
      at += 4;
    }
  }
  return buf;
}

/** True when text holds terminal control output (escape sequences or carriage returns). */
export function hasTerminalCodes(text: string): boolean {
  return text.includes('\u001b') || text.includes('\r');
}
