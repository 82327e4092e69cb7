import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

/**
 * Scratch files for a backup written next to its `target` and renamed into place when whole:
 * `<target>.partial-<pid>-<time>`. Used by sqlite-vec's `backup` and the CLI's portable backup.
 */
export function backupScratchName(target: string): string {
  return `${target}.partial-${process.pid}-${Date.now().toString(36)}`;
}

/**
 * Remove the scratch files (and their -wal/-shm/-journal) that backups to `target` killed before
 * their rename left behind, once the process named in the file is gone.
 */
export function removeDeadScratch(target: string): void {
  const dir = path.dirname(target);
  const prefix = `${path.basename(target)}.partial-`;
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || isAlive(pid)) continue;
    rmSync(path.join(dir, name), { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
