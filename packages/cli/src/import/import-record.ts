import { VecdexError, isVecdexError } from '@vecdex/core';

/** Where a record sits in its file: a line for text formats, an index and byte offset for fvecs. */
export interface RecordLocation {
  /** 0-based record number (data records only, headers and blank lines not counted). */
  index: number;
  /** 1-based line the record starts on (JSONL, CSV). */
  line?: number;
  /** Byte offset of the record (fvecs). */
  offset?: number;
}

/** One record as a reader yields it: an unvalidated item `{id, vector, content?, metadata?}`. */
export interface ImportRecord {
  value: unknown;
  where: RecordLocation;
}

/** `items.jsonl, line 3` or `base.fvecs, record 7 (byte offset 3612)`. */
export function describeLocation(file: string, where: RecordLocation): string {
  if (where.line !== undefined) return `${file}, line ${where.line}`;
  const offset = where.offset === undefined ? '' : ` (byte offset ${where.offset})`;
  return `${file}, record ${where.index}${offset}`;
}

/** A file that cannot be parsed: `IMPORT_FORMAT`, with the place in the message and details. */
export function importFormatError(file: string, where: RecordLocation, message: string, cause?: unknown): VecdexError {
  return new VecdexError('IMPORT_FORMAT', `${describeLocation(file, where)}: ${message}`, {
    cause,
    details: { file, ...where },
  });
}

/**
 * A record that parsed but is not a valid item (wrong dimensions, NaN, bad id, bad metadata):
 * the same error code core gave, with the file and place put in front of its message.
 */
export function locateError(file: string, where: RecordLocation, err: unknown): unknown {
  if (!isVecdexError(err)) return err;
  return new VecdexError(err.code, `${describeLocation(file, where)}: ${err.message}`, {
    cause: err,
    details: { ...err.details, file, ...where },
  });
}
