import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { IngestRecord, JsonValue, Metadata } from '@vecdex/core';
import { CliError } from '../cli-error.js';
import { type ColumnChoice, type TextSource, recordFromRow } from './text-source.js';

/**
 * One JSON object per line: the id and text fields are chosen with `--id-column` /
 * `--text-column`; metadata is the `--metadata` fields, else the record's own `metadata` object.
 * Blank lines are skipped; a line that is not a JSON object stops the run with its line number.
 */
export function jsonlSource(file: string, choice: ColumnChoice): TextSource {
  async function* lines(): AsyncGenerator<{ line: number; value: Record<string, unknown> }> {
    const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY });
    let line = 0;
    for await (const text of rl) {
      line++;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        throw new CliError('IMPORT_FORMAT', `${file} line ${line}: not valid JSON (${(err as Error).message})`);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new CliError(
          'IMPORT_FORMAT',
          `${file} line ${line}: expected a JSON object with "${choice.idColumn}" and "${choice.textColumn}"`,
        );
      }
      yield { line, value: value as Record<string, unknown> };
    }
  }
  return {
    describe: file,
    async count() {
      let n = 0;
      for await (const _ of lines()) n++;
      return n;
    },
    async *records(): AsyncGenerator<IngestRecord> {
      for await (const { line, value } of lines()) {
        if (!(choice.textColumn in value)) {
          throw new CliError('IMPORT_FORMAT', `${file} line ${line}: no "${choice.textColumn}" field`, {
            hint: 'choose the text field with --text-column',
          });
        }
        const rec = recordFromRow(value, choice, (v) => (v === undefined ? null : (v as JsonValue)));
        if (choice.metadataColumns === undefined) {
          const m = value.metadata;
          rec.metadata = typeof m === 'object' && m !== null && !Array.isArray(m) ? (m as Metadata) : null;
        }
        yield rec;
      }
    },
  };
}
