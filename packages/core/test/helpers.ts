import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { isVecdexError, type VecdexErrorCode } from '../src/index.js';

/** Absolute path of the built core entry (fake plugins and configs import it like a real package would). */
export const DIST_INDEX = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** A fresh temp directory; `cleanup()` removes every one made so far. */
const made: string[] = [];
export async function tempDir(prefix = 'vecdex-core-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}
export async function cleanup(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** Write `files` (relative path → content; objects are written as JSON) under `root`. */
export async function writeFiles(root: string, files: Record<string, string | object>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
}

/** Run `fn`, expect a VecdexError of `code`, and return it for more checks. */
export async function expectVecdexError(
  fn: () => unknown,
  code: VecdexErrorCode,
): Promise<Error & { code: string; details: Record<string, unknown> }> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a VecdexError to be thrown').toBeDefined();
  if (!isVecdexError(caught)) throw new Error(`expected a VecdexError ${code}, got: ${String(caught)}`);
  expect(caught.code).toBe(code);
  return caught as Error & { code: string; details: Record<string, unknown> };
}

/** Synchronous variant. */
export function expectVecdexErrorSync(
  fn: () => unknown,
  code: VecdexErrorCode,
): Error & { code: string; details: Record<string, unknown> } {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a VecdexError to be thrown').toBeDefined();
  if (!isVecdexError(caught)) throw new Error(`expected a VecdexError ${code}, got: ${String(caught)}`);
  expect(caught.code).toBe(code);
  return caught as Error & { code: string; details: Record<string, unknown> };
}
