import type BetterSqlite3 from 'better-sqlite3';
import { VecdexError } from '@vecdex/core';
import { APPLICATION_ID, SCHEMA_V1, SCHEMA_V2 } from './schema.js';
import { migrateFullText } from './full-text.js';
import { migrateVectorScaling } from './vector-scaling.js';
import { migrateFilterable } from './filterable-index.js';
import { migrateIndexEvents } from './index-events.js';

type Db = BetterSqlite3.Database;

/**
 * Schema migrations, in order: entry `i` brings a store from version `i` to `i + 1`.
 * `PRAGMA user_version` holds the version. Never edit a released migration; append one.
 */
const MIGRATIONS: readonly ((db: Db) => void)[] = [
  (db) => db.exec(SCHEMA_V1),
  (db) => db.exec(SCHEMA_V2),
  // Version 3: an FTS5 table per collection over `content`, for keyword search.
  migrateFullText,
  // Version 4: cosine vectors of extreme magnitude stored scaled (float32 cosine breaks on them).
  migrateVectorScaling,
  // Version 5: declared filterable metadata fields (a column; an index per field).
  migrateFilterable,
  // Version 6: index builds, syncs and rebuilds (index health over time).
  migrateIndexEvents,
];

/** The schema version this package writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** What the header of a database says about who owns it. */
export interface StoreHeader {
  applicationId: number;
  userVersion: number;
}

export function readHeader(db: Db): StoreHeader {
  return {
    applicationId: db.pragma('application_id', { simple: true }) as number,
    userVersion: db.pragma('user_version', { simple: true }) as number,
  };
}

/**
 * Refuse a database that is not ours (another application's id, or a version stamp without our
 * id) or that a newer vecdex wrote. Runs before anything is written to the file.
 */
export function checkHeader(header: StoreHeader, file: string): void {
  // application_id is a signed 32-bit integer; ours fits either way.
  const foreignId = header.applicationId !== 0 && header.applicationId !== APPLICATION_ID;
  const foreignVersion = header.applicationId === 0 && header.userVersion !== 0;
  if (foreignId || foreignVersion) {
    throw new VecdexError(
      'STORE_CORRUPT',
      `${file} is a SQLite database of another application (application_id ${header.applicationId}, user_version ${header.userVersion}), not a vecdex store; point the sqlitevec backend at another file`,
      { details: { path: file, ...header } },
    );
  }
  if (header.userVersion > SCHEMA_VERSION) {
    throw new VecdexError(
      'STORE_SCHEMA_TOO_NEW',
      `${file} has vecdex schema version ${header.userVersion}, but this @vecdex/backend-sqlitevec knows only up to ${SCHEMA_VERSION}; upgrade @vecdex/backend-sqlitevec`,
      { details: { path: file, version: header.userVersion, known: SCHEMA_VERSION } },
    );
  }
}

/**
 * Bring the schema up to date in one immediate transaction. The header is re-read inside it, so
 * two processes opening a new file at once migrate it once.
 */
export function migrate(db: Db, file: string): void {
  db.transaction(() => {
    const header = readHeader(db);
    checkHeader(header, file);
    for (let v = header.userVersion; v < SCHEMA_VERSION; v++) (MIGRATIONS[v] as (db: Db) => void)(db);
    if (header.userVersion !== SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
    if (header.applicationId !== APPLICATION_ID) db.pragma(`application_id = ${APPLICATION_ID}`);
  }).immediate();
}

/** For read-only opens: the store must already be at our version, since we cannot migrate it. */
export function requireCurrentSchema(db: Db, file: string): void {
  const header = readHeader(db);
  checkHeader(header, file);
  if (header.userVersion < SCHEMA_VERSION) {
    const what = header.userVersion === 0 ? 'is not a vecdex store yet' : `has the older schema version ${header.userVersion}`;
    throw new VecdexError(
      'NOT_SUPPORTED',
      `${file} ${what}, and a read-only open cannot create or migrate it; open it once without readonly`,
      { details: { path: file, version: header.userVersion } },
    );
  }
}
