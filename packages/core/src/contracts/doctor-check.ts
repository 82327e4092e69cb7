import type { JsonValue } from '../model/item.js';

/**
 * How one doctor check came out: `ok`; `warn` (worth knowing, not a fault: an index a few
 * changes behind, a large WAL); `fail` (a problem: `vecdex doctor` exits 1); `skip` (could not
 * run because something it needs failed first, or does not apply here).
 */
export type DoctorStatus = 'ok' | 'warn' | 'fail' | 'skip';

/**
 * One line of a doctor report. Backends and plugins contribute their own through the optional
 * `diagnose` methods of their contracts; every check that does not pass says what to do.
 *
 * ```ts
 * { name: 'store.integrity', status: 'fail', message: 'PRAGMA quick_check: 3 problems', remedy: 'restore the last backup: vecdex restore <file>' }
 * ```
 */
export interface DoctorCheck {
  /** Dotted, stable name: `node`, `plugin.@vecdex/index-hnswlib`, `store.integrity`, `index.docs-hnsw.files`. */
  name: string;
  status: DoctorStatus;
  /** What was found, in one line. */
  message: string;
  /** What to do about a `warn` or `fail` (a command when there is one). */
  remedy?: string;
  /** Figures behind the message, for `--json` readers. */
  details?: { [key: string]: JsonValue };
}

/** What an index plugin's `verify` found, without loading the index into native code or writing. */
export type IndexVerification =
  | {
      ok: true;
      items: number;
      deleted: number;
      bytes: number;
      /** Change journals saved since the last whole write (plugin-kit plugins; absent: none or not journaled). */
      journalFiles?: number;
    }
  | { ok: false; reason: string };
