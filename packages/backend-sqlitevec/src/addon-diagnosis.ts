import { createRequire } from 'node:module';
import { type DoctorCheck, describeLoadFailure } from '@vecdex/core';

const require = createRequire(import.meta.url);

/**
 * Doctor checks that the native parts load: better-sqlite3's add-on (a `NODE_MODULE_VERSION`
 * mismatch after a Node upgrade shows up here, named, with the rebuild command) and the
 * sqlite-vec extension, on a throwaway in-memory database.
 */
export async function diagnoseAddons(): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  let db: { close(): void; prepare(sql: string): { pluck(): { get(): unknown } } } | null = null;
  try {
    const Database = (await import('better-sqlite3')).default;
    db = new Database(':memory:');
    const sqlite = db.prepare('SELECT sqlite_version()').pluck().get();
    checks.push({
      name: 'addon.better-sqlite3',
      status: 'ok',
      message: `better-sqlite3 ${versionOf('better-sqlite3')} loads (SQLite ${String(sqlite)})`,
      details: { version: versionOf('better-sqlite3') },
    });
  } catch (err) {
    const f = describeLoadFailure(err, 'better-sqlite3');
    checks.push({
      name: 'addon.better-sqlite3',
      status: 'fail',
      message: f.message,
      remedy: f.remedy,
      details: { kind: f.kind },
    });
    return checks;
  }
  try {
    const sqliteVec = (await import('sqlite-vec')) as { load(db: unknown): void };
    sqliteVec.load(db);
    const v = db.prepare('SELECT vec_version()').pluck().get();
    checks.push({
      name: 'addon.sqlite-vec',
      status: 'ok',
      message: `sqlite-vec ${String(v)} loads`,
      details: { version: String(v) },
    });
  } catch (err) {
    const f = describeLoadFailure(err, 'sqlite-vec');
    const platform = `sqlite-vec-${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
    checks.push({
      name: 'addon.sqlite-vec',
      status: 'fail',
      message: f.message,
      remedy: f.kind === 'other' ? `npm install sqlite-vec ${platform}` : f.remedy,
      details: { kind: f.kind },
    });
  } finally {
    db.close();
  }
  return checks;
}

function versionOf(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
