/**
 * SIGINT during `vecdex import` stops at a batch boundary, says how many items were written and
 * how to finish, and a re-run completes the import without duplicates.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, assertBuilt, fvecs, tempProject, vecdexOk } from './run-vecdex.js';

const RECORDS = 400_000;
const BATCH = 1000;

async function count(dir: string): Promise<number> {
  return JSON.parse((await vecdexOk(dir, ['collections', 'info', 'big', '--json'])).stdout).count as number;
}

describe('vecdex import: SIGINT', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    assertBuilt();
    ({ dir, cleanup } = await tempProject());
    await vecdexOk(dir, ['init']);
    await vecdexOk(dir, ['collections', 'create', 'big', '--dimensions', '4', '--metric', 'l2']);
    const vectors = Array.from({ length: RECORDS }, (_, i) => [i, i % 7, i % 11, 1]);
    await writeFile(path.join(dir, 'big.fvecs'), fvecs(vectors));
  });
  afterAll(() => cleanup());

  it('stops after a complete batch, reports what was written, and a re-run finishes it', async () => {
    const child = spawn(process.execPath, [BIN, 'import', 'big', 'big.fvecs', '--batch-size', String(BATCH)], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Wait until writing has begun, then interrupt.
    for (let tries = 0; (await count(dir)) === 0; tries++) {
      expect(tries, 'the import started writing').toBeLessThan(600);
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGINT');
    const code = await exited;
    expect(code, `stdout: ${stdout}\nstderr: ${stderr}`).toBe(130);
    const m = /interrupted after a complete batch: ([\d,]+) items? written from the first ([\d,]+) records? of ([\d,]+)/.exec(
      stderr,
    );
    expect(m, stderr).not.toBeNull();
    const written = Number((m?.[1] ?? '').replace(/,/g, ''));
    expect(written % BATCH, 'a batch boundary').toBe(0);
    expect(written).toBeLessThan(RECORDS);
    expect(stderr).toMatch(/run the same command again/);
    expect(await count(dir), 'what the message says is what the store holds').toBe(written);

    const again = await vecdexOk(dir, ['import', 'big', 'big.fvecs', '--batch-size', String(BATCH * 10)]);
    expect(again.stdout).toMatch(/imported 400,000 items/);
    expect(await count(dir)).toBe(RECORDS);
  }, 180_000);
});
