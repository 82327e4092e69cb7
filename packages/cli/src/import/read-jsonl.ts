import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ImportRecord } from './import-record.js';
import { importFormatError } from './import-record.js';

export interface JsonlOptions {
  /** Put in front of every id (namespacing several files in one collection). */
  idPrefix?: string;
}

/**
 * Stream a JSON Lines file: one `{"id", "vector", "content"?, "metadata"?}` object per line;
 * blank lines are skipped. Reads line by line, never the whole file. Throws `IMPORT_FORMAT`
 * naming the line when a line is not a JSON object.
 */
export async function* readJsonl(file: string, options: JsonlOptions = {}): AsyncGenerator<ImportRecord> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  let index = 0;
  try {
    for await (const raw of lines) {
      line++;
      const text = line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (text.trim() === '') continue;
      const where = { index, line };
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        const hint =
          line === 1 && text.trimStart().startsWith('[')
            ? ' (this looks like a JSON array; vecdex imports JSON Lines: one object per line)'
            : '';
        throw importFormatError(file, where, `invalid JSON: ${(err as Error).message}${hint}`, err);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw importFormatError(file, where, 'expected a JSON object like {"id": "a", "vector": [0.1, 0.2]}');
      }
      const item = value as Record<string, unknown>;
      if (options.idPrefix && typeof item.id === 'string') item.id = options.idPrefix + item.id;
      yield { value: item, where };
      index++;
    }
  } finally {
    lines.close();
  }
}
