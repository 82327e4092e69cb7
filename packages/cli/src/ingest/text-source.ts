import type { IngestRecord, JsonValue, Metadata } from '@vecdex/core';
import { CliError } from '../cli-error.js';

/** Where `embed-multi` reads texts from: a count (for progress) and the records, read twice at most. */
export interface TextSource {
  /** For messages: `3 files matching docs/**\/*.md`, `items.jsonl`, ... */
  describe: string;
  count(): Promise<number>;
  records(): AsyncIterable<IngestRecord>;
}

/** Which fields of a row hold the id, the text and the metadata. */
export interface ColumnChoice {
  idColumn: string;
  textColumn: string;
  /** Columns copied to metadata; undefined = none (JSONL: the record's own `metadata` object). */
  metadataColumns?: readonly string[];
}

/** Fail early, before anything is embedded, when a source lacks a chosen column. */
export function requireColumns(columns: readonly string[], choice: ColumnChoice, where: string): void {
  const wanted: [string, string][] = [
    [choice.idColumn, '--id-column'],
    [choice.textColumn, '--text-column'],
    ...(choice.metadataColumns ?? []).map((c): [string, string] => [c, '--metadata']),
  ];
  for (const [col, flag] of wanted) {
    if (!columns.includes(col)) {
      throw new CliError('IMPORT_FORMAT', `${where} has no column "${col}" (columns: ${columns.join(', ') || 'none'})`, {
        hint: `choose the column with ${flag}`,
      });
    }
  }
}

/** A record from a row: id and text as strings (`null` text stays empty and is reported). */
export function recordFromRow(
  row: Record<string, unknown>,
  choice: ColumnChoice,
  convert: (v: unknown) => JsonValue,
): IngestRecord {
  const id = row[choice.idColumn];
  const text = row[choice.textColumn];
  let metadata: Metadata | null = null;
  if (choice.metadataColumns !== undefined && choice.metadataColumns.length > 0) {
    metadata = {};
    for (const c of choice.metadataColumns) metadata[c] = convert(row[c]);
  }
  return {
    id: id === null || id === undefined ? '' : String(id),
    text: text === null || text === undefined ? '' : String(text),
    metadata,
  };
}
