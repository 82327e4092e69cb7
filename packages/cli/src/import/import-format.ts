import path from 'node:path';
import { UsageError } from '../cli-error.js';
import { type CsvOptions, readCsv } from './read-csv.js';
import { readFvecs } from './read-fvecs.js';
import { readJsonl } from './read-jsonl.js';
import type { ImportRecord } from './import-record.js';

export const IMPORT_FORMATS = ['jsonl', 'fvecs', 'csv'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

const BY_EXTENSION: Record<string, ImportFormat> = {
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'jsonl',
  '.fvecs': 'fvecs',
  '.csv': 'csv',
};

/** The format from the file's extension; a usage error when it says nothing. */
export function detectFormat(file: string): ImportFormat {
  const format = BY_EXTENSION[path.extname(file).toLowerCase()];
  if (format === undefined) {
    throw new UsageError(
      `cannot tell the format of ${file} from its extension (.jsonl, .ndjson, .json, .fvecs, .csv)`,
      `pass --format ${IMPORT_FORMATS.join('|')}`,
    );
  }
  return format;
}

export type ReaderOptions = CsvOptions;

/** A fresh reader over the file: each call streams it again from the start. */
export function readRecords(format: ImportFormat, file: string, options: ReaderOptions): AsyncGenerator<ImportRecord> {
  switch (format) {
    case 'jsonl':
      return readJsonl(file, options);
    case 'fvecs':
      return readFvecs(file, options);
    case 'csv':
      return readCsv(file, options);
  }
}
