import { randomBytes } from 'node:crypto';
import type { CollectionInfo, CreateIndexOptions, JsonValue, Vecdex } from '@vecdex/core';
import { UsageError } from '../cli-error.js';

/**
 * A compression to compare against full-precision exact search (`vecdex bench --compare`,
 * `vecdex advise`): a precision and/or a reduction, with or without rescoring.
 *
 * Syntax, comma-separated: `float16`, `int8`, `binary`, `truncate:256`, `pca:128`, combined with
 * `+` (`int8+truncate:256`); a trailing `!` turns rescoring off (`binary!`), `@n` sets the
 * oversampling (`binary@10`).
 */
export interface CompareConfig {
  label: string;
  options: Pick<CreateIndexOptions, 'precision' | 'rescore' | 'reduce'>;
}

const PRECISIONS = new Set(['float32', 'float16', 'int8', 'binary']);

export function parseCompare(text: string): CompareConfig[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(parseOne);
}

function parseOne(token: string): CompareConfig {
  const m = /^([^@!]+)(?:@(\d+(?:\.\d+)?))?(!)?$/.exec(token);
  if (m === null) throw new UsageError(`--compare: cannot read "${token}" (e.g. int8, binary@10, truncate:256!, int8+pca:128)`);
  const [, body, oversample, off] = m as unknown as [string, string, string | undefined, string | undefined];
  const options: CompareConfig['options'] = {};
  for (const part of body.split('+')) {
    if (PRECISIONS.has(part)) options.precision = part as CompareConfig['options']['precision'];
    else {
      const r = /^(truncate|pca):(\d+)$/.exec(part);
      if (r === null) throw new UsageError(`--compare: "${part}" is not float16, int8, binary, truncate:<dims> or pca:<dims>`);
      options.reduce = { method: r[1] as 'truncate' | 'pca', dimensions: Number(r[2]) };
    }
  }
  if (off !== undefined) options.rescore = false;
  else if (oversample !== undefined) options.rescore = { oversample: Number(oversample) };
  const label = `${body}${off !== undefined ? ' (no rescore)' : oversample !== undefined ? ` (rescore ×${oversample})` : ''}`;
  return { label, options };
}

/** The configurations `vecdex advise` tries when none are given: every precision, two truncations, one PCA; each with and without rescoring. */
export function defaultCompare(info: CollectionInfo, items: number): CompareConfig[] {
  const d = info.dimensions;
  const tokens = ['float16', 'int8'];
  if (info.metric === 'cosine' || info.metric === 'ip') tokens.push('binary', 'binary@4');
  if (d >= 8) tokens.push(`truncate:${Math.floor(d / 2)}`, `truncate:${Math.floor(d / 3)}`);
  if (d >= 8 && items >= d) tokens.push(`pca:${Math.floor(d / 6)}`);
  const withOff = tokens.flatMap((t) => (t.includes('@') ? [t] : [t, `${t}!`]));
  return parseCompare(withOff.join(','));
}

/**
 * Create one temporary index per configuration on `plugin` (usearch: its flat kind, the exact
 * path, so what is measured is the representation's loss alone; float16 on its HNSW graph). Returns their names with the
 * configuration each stands for; `drop` removes them all.
 */
export async function createCompareIndexes(
  vx: Vecdex,
  collection: string,
  configs: readonly CompareConfig[],
  plugin: string,
  params: { [key: string]: JsonValue } | undefined,
): Promise<{ indexes: { name: string; config: CompareConfig }[]; drop: () => Promise<void> }> {
  const tag = randomBytes(3).toString('hex');
  const indexes: { name: string; config: CompareConfig }[] = [];
  const drop = async () => {
    for (const ix of indexes) await vx.indexes.drop(ix.name).catch(() => undefined);
  };
  try {
    for (let i = 0; i < configs.length; i++) {
      const config = configs[i] as CompareConfig;
      const name = `bench-${tag}-${i + 1}`;
      // usearch: the flat kind (exact path) stores float32, int8 and binary; float16 only its HNSW
      // graph, searched wide (expansionSearch 256) so the graph's own loss stays small.
      const p =
        params ??
        (plugin !== 'usearch'
          ? {}
          : config.options.precision === 'float16'
            ? { kind: 'hnsw', expansionSearch: 256 }
            : { kind: 'flat' });
      await vx.indexes.create({ name, plugin, collections: [collection], params: p, ...config.options });
      indexes.push({ name, config });
    }
  } catch (e) {
    await drop();
    throw e;
  }
  return { indexes, drop };
}
