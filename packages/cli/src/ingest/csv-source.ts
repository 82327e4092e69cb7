import { createReadStream } from 'node:fs';
import type { IngestRecord } from '@vecdex/core';
import { CliError } from '../cli-error.js';
import { inferValue } from '../import/csv-columns.js';
import { type CsvRecord, CsvParser, CsvSyntaxError } from '../import/csv-parser.js';
import { type ColumnChoice, type TextSource, recordFromRow, requireColumns } from './text-source.js';

/** A CSV file with a header row; id, text and metadata columns chosen by name. */
export function csvSource(file: string, choice: ColumnChoice, options: { inferTypes: boolean }): TextSource {
  async function* rows(): AsyncGenerator<CsvRecord> {
    const parser = new CsvParser();
    const parse = (step: () => CsvRecord[]) => {
      try {
        return step();
      } catch (err) {
        if (err instanceof CsvSyntaxError) throw new CliError('IMPORT_FORMAT', `${file} line ${err.line}: ${err.message}`);
        throw err;
      }
    };
    let first = true;
    for await (const chunk of createReadStream(file, { encoding: 'utf8' }) as AsyncIterable<string>) {
      yield* parse(() => parser.push(first ? chunk.replace(/^\uFEFF/, '') : chunk));
      first = false;
    }
    yield* parse(() => parser.end());
  }
  return {
    describe: file,
    async count() {
      let n = -1;
      for await (const _ of rows()) n++;
      return Math.max(0, n);
    },
    async *records(): AsyncGenerator<IngestRecord> {
      let header: string[] | null = null;
      for await (const rec of rows()) {
        if (header === null) {
          header = rec.fields.map((f) => f.trim());
          requireColumns(header, choice, file);
          continue;
        }
        const row: Record<string, string> = {};
        header.forEach((h, i) => {
          row[h] = rec.fields[i] ?? '';
        });
        yield recordFromRow(row, choice, (v) => (options.inferTypes ? inferValue(String(v ?? '')) : String(v ?? '')));
      }
      if (header === null) throw new CliError('IMPORT_FORMAT', `${file} is empty; a CSV needs a header row`);
    },
  };
}
