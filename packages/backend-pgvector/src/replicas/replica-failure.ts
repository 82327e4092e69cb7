/**
 * Whether an error on a replica means "read elsewhere" rather than "the caller asked for
 * something wrong": the replica cannot be reached or dropped the connection, is starting up or
 * shutting down, or cancelled the statement for a recovery conflict (a standby cancels queries
 * whose rows its replay must remove: SQLSTATE 40001). The read then runs on the primary and
 * the caller never sees the error.
 */
export function isReplicaFailure(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : '';
  if (code === '') return err instanceof Error; // socket errors, timeouts, "Connection terminated"
  if (/^E[A-Z]+$/.test(code)) return true; // ECONNREFUSED, ECONNRESET, ...
  // 08: connection exceptions; 57P0x: shutdown, crash, starting up; 53300: too many connections;
  // 40001: canceled on conflict with recovery; 25006: read-only transaction (a replica never is
  // asked to write, but a promoted-then-demoted node could be).
  return code.startsWith('08') || code.startsWith('57P') || code === '53300' || code === '40001' || code === '25006';
}

/** Failures after which a replica is left alone for a while (not a one-off recovery conflict). */
export function isReplicaDown(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return isReplicaFailure(err) && code !== '40001';
}
