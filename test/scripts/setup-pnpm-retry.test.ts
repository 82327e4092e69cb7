import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

/** scripts/retry.sh and the pnpm install step of scripts/setup.sh, with stand-ins for npm and corepack. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vecdex-retry-'));
  dirs.push(dir);
  return dir;
}

async function bash(script: string, env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run('bash', ['-c', script], {
      cwd: ROOT,
      env: { ...process.env, VECDEX_RETRY_DELAY: '0', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('retry', () => {
  it('runs the command again until it succeeds', async () => {
    const dir = await tempDir();
    const counter = path.join(dir, 'n');
    const r = await bash(
      `. scripts/retry.sh; retry 3 bash -c 'n=$(cat "$0" 2>/dev/null || echo 0); echo $((n + 1)) > "$0"; [ "$n" -ge 2 ]' ${counter}`,
    );
    expect(r.code).toBe(0);
    expect((await readFile(counter, 'utf8')).trim()).toBe('3');
    expect(r.stderr).toContain('attempt 2 of 3 failed (exit 1)');
  });

  it('gives up after the given number of attempts with the last exit status', async () => {
    const r = await bash(`. scripts/retry.sh; retry 2 bash -c 'exit 7'`);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('attempt 1 of 2 failed (exit 7)');
    expect(r.stderr).not.toContain('attempt 2 of 2');
  });
});

describe('setup.sh installing pnpm', () => {
  it('retries npm install -g and corepack, then says what to do', async () => {
    const bin = await tempDir();
    const log = path.join(bin, 'calls.log');
    const stub = (name: string, body: string) => writeFile(path.join(bin, name), `#!/bin/sh\necho ${name} >> ${log}\n${body}\n`);
    await stub('pnpm', 'echo 0.0.0');
    await stub('npm', 'case "$1" in --version) echo 10.0.0;; *) echo "npm error code ENOENT" >&2; exit 254;; esac');
    await stub('corepack', 'echo "Internal Error: No compatible signature found" >&2; exit 1');
    for (const name of ['pnpm', 'npm', 'corepack']) await chmod(path.join(bin, name), 0o755);
    const r = await bash('bash scripts/setup.sh', { PATH: `${bin}:${process.env.PATH}` });
    expect(r.code).toBe(1);
    const calls = (await readFile(log, 'utf8')).trim().split('\n');
    expect(calls.filter((c) => c === 'corepack')).toHaveLength(3);
    expect(calls.filter((c) => c === 'npm').length).toBeGreaterThanOrEqual(4); // --version + 3 installs
    expect(r.stderr).toContain('could not install pnpm');
    expect(r.stderr).toContain('npm cache verify');
    expect(r.stderr).toContain('npm install -g corepack@latest');
  });
});
