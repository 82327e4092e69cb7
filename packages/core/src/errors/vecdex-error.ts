/**
 * Every error vecdex throws on purpose is a `VecdexError` with a stable `code`, a message that
 * says what to do, optional structured `details`, and the underlying `cause` where there is one.
 *
 * Recognise them with {@link isVecdexError} (works across duplicate installs of the package,
 * unlike `instanceof`):
 *
 * ```ts
 * try { await c.upsert(items) } catch (e) {
 *   if (isVecdexError(e, 'DIMENSION_MISMATCH')) console.error(e.details)
 * }
 * ```
 */
export type VecdexErrorCode =
  | 'DIMENSION_MISMATCH'
  | 'INVALID_VECTOR'
  | 'INVALID_ID'
  | 'INVALID_ITEM'
  | 'INVALID_ARGUMENT'
  | 'INVALID_NAME'
  | 'UNKNOWN_COLLECTION'
  | 'COLLECTION_EXISTS'
  | 'UNSUPPORTED_METRIC'
  | 'INVALID_FILTER'
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'PLUGIN_NOT_FOUND'
  | 'PLUGIN_INVALID'
  | 'PLUGIN_CONTRACT_MISMATCH'
  | 'MISSING_NATIVE_DEPENDENCY'
  | 'STORE_CORRUPT'
  | 'STORE_CLOSED'
  | 'STORE_SCHEMA_TOO_NEW'
  | 'IMPORT_FORMAT'
  | 'UNKNOWN_INDEX'
  | 'INDEX_EXISTS'
  | 'INDEX_STALE'
  | 'CURSOR_EXPIRED'
  | 'NOT_SUPPORTED'
  | 'PROVIDER_FAILURE'
  | 'MODEL_MISMATCH'
  | 'COPY_MISMATCH'
  | 'BACKEND_FAILURE';

const BRAND = Symbol.for('vecdex.error');

export interface VecdexErrorOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class VecdexError extends Error {
  readonly code: VecdexErrorCode;
  readonly details: Record<string, unknown>;
  readonly [BRAND] = true;

  constructor(code: VecdexErrorCode, message: string, options: VecdexErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VecdexError';
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** True for any vecdex error (optionally of one `code`), even from another copy of the package. */
export function isVecdexError(value: unknown, code?: VecdexErrorCode): value is VecdexError {
  if (typeof value !== 'object' || value === null || !(BRAND in value)) return false;
  return code === undefined || (value as VecdexError).code === code;
}
