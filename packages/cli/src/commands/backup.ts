import { copyFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { type Vecdex, openVecdex } from '@vecdex/core';
import { contextFor } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { CLI_PACKAGE_DIR, withStore } from '../open-store.js';
import { formatBytes, formatCount } from '../output/format-table.js';
import { Progress } from '../progress.js';
import { openPortable, portableBackup } from './portable-backup.js';

/**
 * `vecdex backup <file>`: a consistent snapshot of the live store (writers may go on);
 * `vecdex restore <file> [--force]`: put a backup in the configured sqlite-vec store's place.
 */
export function registerBackup(program: Command, io: CliIo): void {
  program
    .command('backup <file>')
    .description(
      'write a point-in-time snapshot of the store to <file> while writers go on (sqlite-vec: VACUUM INTO; pgvector: one read-only transaction)',
    )
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      const target = path.resolve(io.cwd, file);
      const r = await withStore(ctx, async (vx) => {
        if (typeof vx.backend.backup === 'function') return { ...(await vx.backup(target)), portable: false, pointInTime: true };
        // No native backup (pgvector): vecdex's portable export, a sqlite-vec store file.
        const bar = new Progress({ stream: io.stderr, enabled: !ctx.globals.json && !ctx.globals.quiet, label: 'backing up' });
        try {
          const { bytes, report } = await portableBackup(vx, target, { onProgress: (p) => bar.update(p.allDone) });
          return { bytes, portable: true, pointInTime: report.snapshot };
        } finally {
          bar.finish();
        }
      });
      ctx.out.done({ file: target, bytes: r.bytes, portable: r.portable, pointInTime: r.pointInTime }, () => {
        const how = r.portable ? ', a portable sqlite-vec file: restore it into any backend with vecdex restore' : '';
        const when = r.pointInTime ? '' : '; not one point-in-time snapshot: items written meanwhile may be missing';
        return `backed up the store to ${target} (${formatBytes(r.bytes)}${how}${when})`;
      });
    });

  program
    .command('restore <file>')
    .description('replace the configured sqlite-vec store with a backup (index files are rebuilt on first use)')
    .option('--force', 'replace a store that already holds collections')
    .action(async (file: string, opts: { force?: boolean }, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      const source = path.resolve(io.cwd, file);
      // The backup must open as a vecdex store; say what it holds.
      let collections: { name: string; count: number }[];
      try {
        const probe = await openVecdex({
          config: { backend: { use: 'sqlitevec', options: { path: source, readonly: true } } },
          cwd: io.cwd,
          env: {},
          resolvePaths: [CLI_PACKAGE_DIR],
        });
        try {
          collections = [];
          for (const c of await probe.collections.list())
            collections.push({ name: c.name, count: await probe.collection(c.name).count() });
        } finally {
          await probe.close();
        }
      } catch (err) {
        throw new CliError('STORE_CORRUPT', `${file} is not a vecdex sqlite-vec backup: ${(err as Error).message}`, {
          cause: err,
        });
      }
      const target = await withStore(ctx, async (vx) => {
        if (vx.backend.name !== 'sqlitevec') return restoreByCopy(vx, source, opts.force === true);
        const existing = (await vx.collections.list()).length;
        if (existing > 0 && opts.force !== true) {
          throw new CliError(
            'STORE_NOT_EMPTY',
            `the store holds ${formatCount(existing)} collection(s); restoring replaces them`,
            {
              exitCode: 2,
              hint: 'pass --force to replace it (back it up first with `vecdex backup`)',
            },
          );
        }
        return (vx.backend as unknown as { path: string }).path;
      });
      if (typeof target !== 'string') {
        ctx.out.done({ file: source, store: target.backend, collections }, () => {
          const what = collections.map((c) => `${c.name} (${formatCount(c.count)})`).join(', ') || 'no collections';
          return `restored ${source} into the ${target.backend} store: ${what}`;
        });
        return;
      }
      if (path.resolve(target) === source)
        throw new CliError('USAGE', 'the backup is the configured store itself', { exitCode: 2 });
      const scratch = `${target}.restore-${process.pid}`;
      await copyFile(source, scratch);
      await rm(`${target}-wal`, { force: true });
      await rm(`${target}-shm`, { force: true });
      await rename(scratch, target);
      const bytes = (await stat(target)).size;
      ctx.out.done({ file: source, store: target, bytes, collections }, () => {
        const what = collections.map((c) => `${c.name} (${formatCount(c.count)})`).join(', ') || 'no collections';
        return `restored ${target} from ${source} (${formatBytes(bytes)}): ${what}`;
      });
    });
}

/**
 * Restore into a backend that is not a sqlite-vec file (pgvector): copy the backup's collections,
 * index definitions and aliases into it. Resumable like `vecdex copy` (re-run after an
 * interruption); a collection of the same name that the restore did not write is refused, or
 * deleted first with `--force` (with the aliases and indexes over it; the backup's come back).
 */
async function restoreByCopy(vx: Vecdex, source: string, force: boolean): Promise<{ backend: string }> {
  const backup = await openPortable(source, true);
  try {
    if (force) {
      const existing = new Set((await vx.collections.list()).map((c) => c.name));
      for (const c of await backup.collections.list()) {
        if (!existing.has(c.name)) continue;
        for (const a of await vx.aliases.pointingAt(c.name)) await vx.aliases.delete(a);
        for (const d of await vx.backend.listIndexDefinitions())
          if (d.collections.includes(c.name)) await vx.indexes.drop(d.name);
        await vx.collections.delete(c.name);
      }
    }
    await backup.copyTo(vx);
  } finally {
    await backup.close();
  }
  return { backend: vx.backend.name };
}
