import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { backupScratchName, removeDeadScratch } from '@vecdex/core/plugin-kit';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { type CopyOptions, type CopyReport, type Vecdex, errors, openVecdex } from '@vecdex/core';

/** Suffixes SQLite may add beside a store file. */
const SIDE_FILES = ['', '-wal', '-shm', '-journal'];

/**
 * The portable backup of a store whose backend has no `backup` of its own (pgvector): a copy of
 * every collection, with index definitions and aliases, into a fresh sqlite-vec store file (one
 * file, opened by any vecdex, restored into any backend with `vecdex restore`). Written to a
 * scratch file beside `file` and renamed into place at the end, so a kill -9 never leaves a
 * half-written `file`; scratch files of backups whose process is gone are removed first.
 *
 * One point-in-time snapshot when the backend has `readSnapshot` (pgvector: every collection,
 * index definition and alias read in one REPEATABLE READ READ ONLY transaction, so a batch a
 * writer commits during the backup is in it whole or not at all); `report.snapshot` says so.
 * Without it, each collection is read page by page while writers go on, so an item written
 * during the backup may or may not be in it (every item that existed throughout is).
 */
export async function portableBackup(
  vx: Vecdex,
  file: string,
  options: Pick<CopyOptions, 'onProgress' | 'signal'> = {},
): Promise<{ bytes: number; report: CopyReport }> {
  const target = path.resolve(file);
  if (existsSync(target)) throw errors.invalidArgument('file', 'a path where no file exists yet', file);
  removeDeadScratch(target);
  const scratch = backupScratchName(target);
  try {
    const out = await openPortable(scratch);
    let report: CopyReport;
    try {
      report = await vx.copyTo(out, { ...options, snapshot: true });
    } finally {
      await out.close();
    }
    for (const side of SIDE_FILES.slice(1)) rmSync(scratch + side, { force: true });
    renameSync(scratch, target);
    return { bytes: statSync(target).size, report };
  } finally {
    for (const side of SIDE_FILES) rmSync(scratch + side, { force: true });
  }
}

/** A sqlite-vec store on `file` (the portable format), read-only when asked. */
export function openPortable(file: string, readonly = false): Promise<Vecdex> {
  return openVecdex({
    config: { backend: { use: sqlitevec, options: { path: file, ...(readonly ? { readonly: true } : {}) } } },
    cwd: path.dirname(file),
    env: {},
  });
}
