import { createReadStream } from 'node:fs';
import { type CsvOptions, type CsvLayout, itemFromRow, layoutFromHeader } from './csv-columns.js';
import { type CsvRecord, CsvParser, CsvSyntaxError } from './csv-parser.js';
import type { ImportRecord } from './import-record.js';
import { importFormatError } from './import-record.js';

export type { CsvOptions } from './csv-columns.js';

/**
 * Stream a CSV file with a header row: `id`, `vector` (a JSON array) or numbered vector columns
 * (`--vector-columns v` for v0..vN), optional `content`; other columns become metadata. Read in
 * chunks through {@link CsvParser}, so quoted fields may span lines and the whole file is never
 * held in memory. Throws `IMPORT_FORMAT` naming the line on a bad row.
 */
export async function* readCsv(file: string, options: CsvOptions = {}): AsyncGenerator<ImportRecord> {
  const parser = new CsvParser();
  let layout: CsvLayout | null = null;
  let index = 0;
  let first = true;

  // Header first, then items; returns null for the header row.
  const toRecord = (rec: CsvRecord): ImportRecord | null => {
    try {
      if (layout === null) {
        layout = layoutFromHeader(rec.fields, options);
        return null;
      }
      return { value: itemFromRow(rec.fields, layout, options), where: { index: index++, line: rec.line } };
    } catch (err) {
      throw importFormatError(file, { index, line: rec.line }, (err as Error).message, err);
    }
  };
  const parse = (step: () => CsvRecord[]): CsvRecord[] => {
    try {
      return step();
    } catch (err) {
      if (err instanceof CsvSyntaxError) {
        throw importFormatError(file, { index, line: err.line }, `${err.message} (column ${err.column})`, err);
      }
      throw err;
    }
  };

  for await (const chunk of createReadStream(file, { encoding: 'utf8' }) as AsyncIterable<string>) {
    const text = first ? chunk.replace(/^\uFEFF/, '') : chunk;
    first = false;
    for (const rec of parse(() => parser.push(text))) {
      const out = toRecord(rec);
      if (out !== null) yield out;
    }
  }
  for (const rec of parse(() => parser.end())) {
    const out = toRecord(rec);
    if (out !== null) yield out;
  }
  if (layout === null)
    throw importFormatError(file, { index: 0, line: 1 }, 'the file is empty; a CSV import needs a header row (id,vector,...)');
}
