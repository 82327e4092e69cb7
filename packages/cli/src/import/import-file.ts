import { stat } from 'node:fs/promises';
import {
  type CollectionInfo,
  type Metric,
  type NormalizedItem,
  type Vecdex,
  errors,
  isVecdexError,
  normalizeItem,
  validateCollectionSpec,
} from '@vecdex/core';
import { CliError } from '../cli-error.js';
import { plural } from '../output/format-table.js';
import type { Progress } from '../progress.js';
import { type ImportFormat, type ReaderOptions, detectFormat, readRecords } from './import-format.js';
import { type ImportRecord, type RecordLocation, describeLocation, locateError } from './import-record.js';

export interface ImportFileOptions {
  collection: string;
  /** The path as the user wrote it (it appears in messages). */
  file: string;
  format?: ImportFormat;
  batchSize: number;
  reader: ReaderOptions;
  /** Create the collection when missing. Dimensions default to the first record's. */
  create?: { dimensions?: number; metric?: Metric; model?: string | null } | null;
  /** Progress displays for the two passes (they draw nothing when not on a terminal). */
  progress: (label: string, total?: number) => Progress;
  /** Aborted (SIGINT): validation stops at once, writing stops after the batch being written. */
  signal?: AbortSignal;
}

export interface ImportResult {
  collection: string;
  file: string;
  format: ImportFormat;
  /** Records read from the file. */
  records: number;
  /** Items written, summed over batches (repeated ids within a batch count once; last wins). */
  written: number;
  /** True when the collection was created by this import. */
  created: boolean;
  seconds: number;
}

/**
 * Import a file in two passes. Pass 1 streams it and validates every record against the
 * collection (dimensions, finite values, ids, metadata) and stops at the first bad one with its
 * line (or record and byte offset), having written nothing. Pass 2 streams it again and upserts in
 * batches. A bad file therefore never half-imports; a failure during pass 2 (disk full, a file
 * changed meanwhile) says how far it got.
 */
export async function importFile(vx: Vecdex, options: ImportFileOptions): Promise<ImportResult> {
  const started = Date.now();
  const { file } = options;
  await checkReadable(file);
  const format = options.format ?? detectFormat(file);
  const read = () => readRecords(format, file, options.reader);

  const existing = await vx.collections.get(options.collection);
  let info: Pick<CollectionInfo, 'name' | 'dimensions' | 'metric' | 'model'>;
  let create = false;
  if (existing !== null) {
    checkMatches(existing, options.create);
    info = existing;
  } else if (options.create) {
    const dimensions = options.create.dimensions ?? (await firstDimensions(read(), file));
    info = validateCollectionSpec(
      { name: options.collection, dimensions, metric: options.create.metric ?? 'cosine', model: options.create.model ?? null },
      vx.backend.capabilities,
      vx.backend.name,
    );
    create = true;
  } else {
    const known = (await vx.collections.list()).map((c) => c.name);
    const err = errors.unknownCollection(options.collection, known);
    throw new CliError(err.code, err.message, {
      hint: 'or pass --create (with --dimensions N) to create it from the file',
      cause: err,
    });
  }
  const ctx = { collection: info.name, dimensions: info.dimensions, metric: info.metric };

  // Pass 1: validate everything, write nothing.
  let records = 0;
  const check = options.progress('validating', undefined);
  try {
    for await (const rec of read()) {
      if (options.signal?.aborted === true) throw interrupted(0, records, file, null);
      normalizeAt(rec.value, ctx, file, rec.where);
      records++;
      check.update(records);
    }
  } finally {
    check.finish();
  }

  // Pass 2: write in batches.
  if (create)
    await vx.collections.create({ name: info.name, dimensions: info.dimensions, metric: info.metric, model: info.model });
  const collection = vx.collection(info.name);
  const bar = options.progress('importing', records);
  let seen = 0;
  let written = 0;
  let batch: NormalizedItem[] = [];
  let batchStart = '';
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    try {
      written += (await collection.upsert(batch)).upserted;
    } catch (err) {
      throw stopped(err, `while writing the batch starting at ${batchStart}`, seen - batch.length, records);
    }
    batch = [];
    bar.update(seen);
    if (options.signal?.aborted === true) throw interrupted(written, seen, file, records);
  };
  try {
    for await (const rec of read()) {
      let item: NormalizedItem;
      try {
        item = normalizeAt(rec.value, ctx, file, rec.where);
      } catch (err) {
        throw stopped(err, 'because the file changed after it was validated', seen - batch.length, records);
      }
      if (batch.length === 0) batchStart = describeLocation(file, rec.where);
      batch.push(item);
      seen++;
      if (batch.length >= options.batchSize) await flush();
    }
    await flush();
  } finally {
    bar.finish();
  }
  return { collection: info.name, file, format, records: seen, written, created: create, seconds: (Date.now() - started) / 1000 };
}

/** Stopped by SIGINT at a batch boundary: what was written, and that a re-run is safe. */
function interrupted(written: number, read: number, file: string, total: number | null): CliError {
  const what =
    total === null
      ? `interrupted while validating ${file} (${read} records checked): nothing was written`
      : `interrupted after a complete batch: ${plural(written, 'item')} written from the first ${plural(read, 'record')} of ${total}`;
  return new CliError('INTERRUPTED', what, {
    exitCode: 130,
    hint: 'run the same command again to finish: items are upserted by id, so records already written are replaced, not duplicated',
  });
}

function normalizeAt(
  value: unknown,
  ctx: { collection: string; dimensions: number; metric: Metric },
  file: string,
  where: RecordLocation,
): NormalizedItem {
  try {
    return normalizeItem(value, ctx);
  } catch (err) {
    throw locateError(file, where, err);
  }
}

async function checkReadable(file: string): Promise<void> {
  if (file === '-') {
    throw new CliError('IMPORT_FORMAT', 'import reads its file twice (validate, then write), so it cannot read from stdin', {
      exitCode: 2,
      hint: 'save the input to a file first',
    });
  }
  let isFile = false;
  try {
    isFile = (await stat(file)).isFile();
  } catch (err) {
    throw new CliError(
      'FILE_NOT_FOUND',
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      { cause: err },
    );
  }
  if (!isFile) throw new CliError('FILE_NOT_FOUND', `${file} is not a regular file`);
}

/** With --create on an existing collection, the given shape must match it. */
function checkMatches(info: CollectionInfo, create: ImportFileOptions['create']): void {
  if (!create) return;
  const wrong: string[] = [];
  if (create.dimensions !== undefined && create.dimensions !== info.dimensions)
    wrong.push(`${info.dimensions} dimensions, not ${create.dimensions}`);
  if (create.metric !== undefined && create.metric !== info.metric) wrong.push(`metric ${info.metric}, not ${create.metric}`);
  if (wrong.length > 0) {
    throw new CliError('COLLECTION_EXISTS', `collection "${info.name}" already exists with ${wrong.join(' and ')}`, {
      hint: 'drop --create to import into it as it is, or choose another collection name',
    });
  }
}

/** The vector length of the first record, to create a collection without --dimensions. */
async function firstDimensions(records: AsyncGenerator<ImportRecord>, file: string): Promise<number> {
  try {
    for await (const rec of records) {
      const v = (rec.value as { vector?: unknown }).vector;
      if (Array.isArray(v) || ArrayBuffer.isView(v)) return (v as ArrayLike<unknown>).length;
      throw new CliError(
        'INVALID_VECTOR',
        `${describeLocation(file, rec.where)}: has no vector array to take the dimensions from`,
        {
          hint: 'pass --dimensions N',
        },
      );
    }
  } finally {
    await records.return(undefined);
  }
  throw new CliError('IMPORT_FORMAT', `${file} holds no records, so --create cannot tell the dimensions`, {
    hint: 'pass --dimensions N',
  });
}

/** An error in pass 2, saying how many records were already written. */
function stopped(err: unknown, what: string, done: number, total: number): unknown {
  const reason = err instanceof Error ? err.message : String(err);
  const code = isVecdexError(err) ? err.code : err instanceof CliError ? err.code : 'BACKEND_FAILURE';
  return new CliError(code, `import stopped ${what}: ${reason}`, {
    hint: `${done} of ${total} records were written before the failure; run the import again to finish (ids are upserted, so repeats are harmless)`,
    cause: err,
  });
}
