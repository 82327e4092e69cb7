import type { JsonValue } from '@vecdex/core';

export interface CsvOptions {
  /** Put in front of every id. */
  idPrefix?: string;
  /** Read the vector from numbered columns `<prefix>0`, `<prefix>1`, ... instead of a `vector` column. */
  vectorColumns?: string;
  /** Only these columns go to metadata (default: every column that is not id, vector or content). */
  metadataColumns?: readonly string[];
  /** Turn metadata that looks like numbers or booleans into them (default true). */
  inferTypes?: boolean;
}

/** How a CSV header maps onto item fields. */
export interface CsvLayout {
  width: number;
  id: number;
  vector: { json: number } | { columns: number[]; names: string[] };
  content: number | null;
  metadata: { name: string; index: number }[];
}

const RESERVED = new Set(['id', 'vector', 'content']);

/** Read the header row. Throws a plain Error with the problem; the reader adds file and line. */
export function layoutFromHeader(header: readonly string[], options: CsvOptions): CsvLayout {
  const names = header.map((h) => h.trim());
  const seen = new Set<string>();
  for (const n of names) {
    if (n === '') throw new Error('the header has an empty column name');
    if (seen.has(n)) throw new Error(`the header names column "${n}" twice`);
    seen.add(n);
  }
  const id = names.indexOf('id');
  if (id < 0) throw new Error(`the header has no "id" column (columns: ${names.join(', ')})`);

  let vector: CsvLayout['vector'];
  const taken = new Set<number>([id]);
  if (options.vectorColumns !== undefined) {
    const prefix = options.vectorColumns;
    const numbered = names
      .map((n, index) => ({ n, index, m: n.startsWith(prefix) ? /^\d+$/.exec(n.slice(prefix.length)) : null }))
      .filter((c) => c.m !== null)
      .map((c) => ({ index: c.index, name: c.n, pos: Number(c.n.slice(prefix.length)) }))
      .sort((a, b) => a.pos - b.pos);
    if (numbered.length === 0) throw new Error(`no columns named ${prefix}0, ${prefix}1, ... (from --vector-columns ${prefix})`);
    numbered.forEach((c, i) => {
      if (c.pos !== i)
        throw new Error(
          `vector columns must run ${prefix}0..${prefix}${numbered.length - 1} without gaps; ${prefix}${i} is missing`,
        );
      taken.add(c.index);
    });
    vector = { columns: numbered.map((c) => c.index), names: numbered.map((c) => c.name) };
  } else {
    const v = names.indexOf('vector');
    if (v < 0) {
      throw new Error(
        'the header has no "vector" column; name it "vector" (a JSON array like "[0.1,0.2]") or pass --vector-columns <prefix> for columns v0,v1,...',
      );
    }
    taken.add(v);
    vector = { json: v };
  }
  const contentAt = names.indexOf('content');
  const content = contentAt >= 0 && !taken.has(contentAt) ? contentAt : null;
  if (content !== null) taken.add(content);

  let metadata: CsvLayout['metadata'];
  if (options.metadataColumns !== undefined) {
    metadata = options.metadataColumns.map((name) => {
      const index = names.indexOf(name);
      if (index < 0)
        throw new Error(`--metadata-columns names "${name}", which is not in the header (columns: ${names.join(', ')})`);
      if (taken.has(index)) throw new Error(`--metadata-columns names "${name}", which is the id, vector or content column`);
      return { name, index };
    });
  } else {
    metadata = names.map((name, index) => ({ name, index })).filter((c) => !taken.has(c.index) && !RESERVED.has(c.name));
  }
  return { width: names.length, id, vector, content, metadata };
}

/** Turn one data row into an item; throws a plain Error naming the bad column. */
export function itemFromRow(fields: readonly string[], layout: CsvLayout, options: CsvOptions): Record<string, unknown> {
  if (fields.length !== layout.width) {
    throw new Error(`has ${fields.length} fields but the header has ${layout.width} (an unquoted comma in a value?)`);
  }
  const id = (options.idPrefix ?? '') + (fields[layout.id] as string);
  let vector: unknown;
  if ('json' in layout.vector) {
    const text = fields[layout.vector.json] as string;
    try {
      vector = JSON.parse(text);
    } catch {
      throw new Error(`column "vector" is not a JSON array of numbers: ${preview(text)}`);
    }
  } else {
    const { columns, names } = layout.vector;
    vector = columns.map((at, i) => {
      const text = (fields[at] as string).trim();
      const x = Number(text);
      if (text === '' || (Number.isNaN(x) && text !== 'NaN'))
        throw new Error(`column "${names[i]}" is ${preview(text)}, not a number`);
      return x;
    });
  }
  const item: Record<string, unknown> = { id, vector };
  if (layout.content !== null) {
    const text = fields[layout.content] as string;
    if (text !== '') item.content = text;
  }
  if (layout.metadata.length > 0) {
    const metadata: Record<string, JsonValue> = {};
    for (const { name, index } of layout.metadata) {
      const text = fields[index] as string;
      if (text === '') continue; // an empty cell is an absent key, not ""
      metadata[name] = options.inferTypes === false ? text : inferValue(text);
    }
    item.metadata = metadata;
  }
  return item;
}

// Numbers as people write them; no leading zeros, so "007" or a zip code "01234" stay strings.
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** `"42"` -> 42, `"true"` -> true, anything else stays a string. */
export function inferValue(text: string): JsonValue {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (NUMBER.test(text)) {
    const n = Number(text);
    if (Number.isFinite(n) && (Number.isSafeInteger(n) || !/^-?\d+$/.test(text))) return n;
  }
  return text;
}

function preview(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}...` : text);
}
