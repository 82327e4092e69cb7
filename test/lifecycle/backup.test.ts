/**
 * Backup and restore on sqlite-vec: `vx.backup()` while another process keeps writing gives a
 * store as of one commit (whole batches only) that opens on its own; a kill -9 during `vecdex
 * backup` leaves no half-written file, and a re-run completes; `vecdex restore` puts it back.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { type Vecdex, openVecdex } from '@vecdex/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, vecdex, vecdexOk } from '../cli/run-vecdex.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BATCH = 500;
const DIMS = 32;

const WRITER = `
import { openVecdex } from '@vecdex/core';
import sqlitevec from '@vecdex/backend-sqlitevec';
const vx = await openVecdex({ config: { backend: { use: sqlitevec, options: { path: process.argv[1] } } }, cwd: process.cwd(), env: {} });
const c = vx.collection('live');
for (let b = 0; ; b++) {
  const items = Array.from({ length: ${BATCH} }, (_, j) => ({ id: 'w' + b + '-' + j, vector: Array.from({ length: ${DIMS} }, (_, k) => Math.sin(b * 1000 + j + k)) }));
  await c.upsert(items);
  if (b === 3) console.log('writing');
}
`;

describe('backup and restore on sqlite-vec', () => {
  let dir: string;
  const open = (file: string): Promise<Vecdex> =>
    openVecdex({ config: { backend: { use: sqlitevec, options: { path: file } } }, cwd: dir, env: {} });
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vecdex-backup-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('a backup taken while another process writes holds whole batches and opens on its own', async () => {
    const db = path.join(dir, 'live.db');
    const vx = await open(db);
    await vx.collections.create({ name: 'live', dimensions: DIMS, metric: 'l2' });
    const writer = spawn(process.execPath, ['--input-type=module', '-e', WRITER, db], {
      cwd: here,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        writer.stdout.on('data', (d) => String(d).includes('writing') && resolve());
        writer.once('exit', (code) => reject(new Error(`writer exited ${code}`)));
      });
      const copies: number[] = [];
      for (let i = 0; i < 3; i++) {
        const file = path.join(dir, `copy-${i}.db`);
        expect((await vx.backup(file)).bytes).toBeGreaterThan(0);
        const copy = await open(file);
        const n = await copy.collection('live').count();
        await copy.close();
        expect(n % BATCH, 'whole batches only').toBe(0);
        copies.push(n);
      }
      expect(copies[2]).toBeGreaterThan(0);
      // The writer went on meanwhile and still does.
      const now = await vx.collection('live').count();
      expect(now).toBeGreaterThanOrEqual(copies[2] as number);
      await expect(vx.backup(path.join(dir, 'copy-0.db'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    } finally {
      writer.kill('SIGKILL');
      await vx.close();
    }
  }, 120_000);

  it('kill -9 during vecdex backup leaves no half-written file; a re-run completes; restore puts it back', async () => {
    const cwd = path.join(dir, 'project');
    await mkdir(cwd);
    await vecdexOk(cwd, ['init']);
    const vx = await open(path.join(cwd, 'vecdex.db'));
    await vx.collections.create({ name: 'big', dimensions: 128, metric: 'l2' });
    for (let b = 0; b < 60; b++) {
      await vx.collection('big').upsert(
        Array.from({ length: 2000 }, (_, j) => ({
          id: `b${b}-${j}`,
          vector: Array.from({ length: 128 }, (_, k) => Math.cos(b * 7 + j + k)),
        })),
      );
    }
    await vx.close();
    const file = path.join(dir, 'killed.db');
    const child = spawn(process.execPath, [BIN, 'backup', file], { cwd, stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    await new Promise((r) => setTimeout(r, 400));
    child.kill('SIGKILL');
    await exited;
    if (existsSync(file)) {
      // It finished before the kill: then it is complete.
      const copy = await open(file);
      expect(await copy.collection('big').count()).toBe(120_000);
      await copy.close();
      await rm(file);
    }
    const again = await vecdexOk(cwd, ['backup', file]);
    expect(again.stdout).toMatch(/backed up the store to/);
    // A killed backup may leave its scratch file (never a half-written target); the next one removes it.
    const leftovers = (await readdir(dir)).filter((f) => f.includes('.partial-'));
    expect(leftovers, 'scratch files of dead backups are removed').toEqual([]);

    await vecdexOk(cwd, ['delete', 'big', '--filter', '{"x": {"$exists": false}}', '--yes']);
    const refused = await vecdex(cwd, ['restore', file]);
    expect(refused.code).toBe(2);
    const restored = await vecdexOk(cwd, ['restore', file, '--force']);
    expect(restored.stdout).toMatch(/big \(120,000\)/);
    const info = JSON.parse((await vecdexOk(cwd, ['collections', 'info', 'big', '--json'])).stdout);
    expect(info.count).toBe(120_000);
  }, 180_000);

  it('removes scratch files a dead backup left, not those of a live one', async () => {
    const vx = await open(path.join(dir, 'scratch.db'));
    try {
      const target = path.join(dir, 'scratch-copy.db');
      const dead = `${target}.partial-999999-x`;
      const live = `${target}.partial-${process.pid}-y`;
      for (const f of [dead, `${dead}-journal`, live]) await writeFile(f, 'x');
      await vx.backup(target);
      const left = (await readdir(dir)).filter((f) => f.startsWith('scratch-copy.db.partial-'));
      expect(left).toEqual([path.basename(live)]);
    } finally {
      await vx.close();
    }
  });
});
