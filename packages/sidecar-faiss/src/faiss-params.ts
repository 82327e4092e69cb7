import { VecdexError, describeValue, type JsonValue } from '@vecdex/core';

/**
 * Parameters of a FAISS index, as stored in the index definition (every field filled in).
 *
 * ```ts
 * await vx.indexes.create({ name: 'big', plugin: 'faiss', collections: ['docs'], params: { factory: 'IVF1024,SQ8', nprobe: 16 } })
 * await vx.indexes.create({ name: 'auto', plugin: 'faiss', collections: ['docs'], params: { quantize: true } })
 * ```
 */
export interface FaissParams {
  /**
   * A FAISS factory string: `Flat`, `IVF{n},Flat`, `IVF{n},SQ{4|6|8}`, `IVF{n},PQ{m}`,
   * `HNSW{M}` (and other strings FAISS accepts). `null` chooses by size at every build: `Flat`
   * below `flatBelow` vectors, else `IVF{x},Flat` with x = min(4·√n, n/39).
   */
  factory: string | null;
  /** IVF cells visited per query; `null` = cells/16 (at least 1). Overridable per query. */
  nprobe: number | null;
  /**
   * With an automatic factory: `true` or 8 = 8-bit scalar quantizer (`SQ8`), 4 or 6 = `SQ4`/`SQ6`.
   * `'fp16'` (`SQfp16`) is set only by core's `precision: 'float16'`.
   */
  quantize: boolean | 4 | 6 | 8 | 'fp16';
  /** Fraction of the vectors used to train (IVF centroids, quantizers); large collections train faster. */
  sample: number;
  /** HNSW: candidate list while searching (overridable per query). */
  efSearch: number;
  /** HNSW: candidate list while inserting. */
  efConstruction: number;
  /** Rebuild once tombstones exceed this fraction of the entries. */
  compactThreshold: number;
  /** Retrain once the live count exceeds this multiple of the count the index was trained on. */
  retrainGrowth: number;
  /** Automatic factory: below this many vectors, an exact `Flat` index. */
  flatBelow: number;
}

export const DEFAULT_PARAMS: Readonly<FaissParams> = Object.freeze({
  factory: null,
  nprobe: null,
  quantize: false,
  sample: 1,
  efSearch: 64,
  efConstruction: 40,
  compactThreshold: 0.1,
  retrainGrowth: 4,
  flatBelow: 10_000,
});

/** Parameters that decide what the saved files contain: files built with other values are not loaded. */
export const STRUCTURAL_PARAMS = ['factory', 'quantize', 'efConstruction'] as const;

const FACTORY = /^[A-Za-z0-9_,.x]{1,200}$/;

/** Validate user parameters and fill defaults. Unknown names are refused, so a typo is not silently ignored. */
export function normalizeFaissParams(params: { [key: string]: JsonValue }): FaissParams {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new VecdexError('INVALID_ARGUMENT', `faiss params must be an object, got ${describeValue(params)}`, {
      details: { name: 'params' },
    });
  }
  const out: FaissParams = { ...DEFAULT_PARAMS };
  for (const [name, value] of Object.entries(params)) {
    switch (name) {
      case 'factory':
        if (value !== null && (typeof value !== 'string' || !FACTORY.test(value)))
          throw invalid(
            name,
            'a FAISS factory string such as "Flat", "IVF256,Flat", "IVF256,SQ8", "IVF256,PQ16" or "HNSW32"',
            value,
          );
        out.factory = value === 'auto' ? null : value;
        break;
      case 'nprobe':
        out.nprobe = value === null ? null : checkInteger(name, value, 1, 1 << 20);
        break;
      case 'quantize':
        if (value !== true && value !== false && value !== 4 && value !== 6 && value !== 8)
          throw invalid(name, 'true, false, 4, 6 or 8', value);
        out.quantize = value;
        break;
      case 'sample':
      case 'compactThreshold':
        out[name] = checkFraction(name, value);
        break;
      case 'efSearch':
      case 'efConstruction':
        out[name] = checkInteger(name, value, 1, 10_000);
        break;
      case 'retrainGrowth':
        if (typeof value !== 'number' || !Number.isFinite(value) || value < 1.5)
          throw invalid(name, 'a number of at least 1.5', value);
        out.retrainGrowth = value;
        break;
      case 'flatBelow':
        out.flatBelow = checkInteger(name, value, 0, 2 ** 31);
        break;
      default:
        throw new VecdexError(
          'INVALID_ARGUMENT',
          `unknown faiss param ${JSON.stringify(name)}; known: ${Object.keys(DEFAULT_PARAMS).join(', ')}`,
          { details: { name, expected: Object.keys(DEFAULT_PARAMS).join(', ') } },
        );
    }
  }
  if (out.factory !== null && out.quantize !== false) {
    throw new VecdexError(
      'INVALID_ARGUMENT',
      `faiss params: give either factory (${out.factory}) or quantize, not both; put the quantizer in the factory string (e.g. "IVF256,SQ8")`,
      { details: { name: 'quantize' } },
    );
  }
  return out;
}

/** Per-query parameters (`{ nprobe }`, `{ efSearch }`), validated before they reach native code. */
export function queryParams(
  params: { [key: string]: JsonValue } | undefined,
  defaults: { nprobe: number; efSearch: number },
): { nprobe: number; efSearch: number } {
  const out = { ...defaults };
  if (params === undefined) return out;
  for (const [name, value] of Object.entries(params)) {
    if (name === 'nprobe') out.nprobe = checkInteger(name, value, 1, 1 << 20);
    else if (name === 'efSearch') out.efSearch = checkInteger(name, value, 1, 10_000);
    else
      throw new VecdexError('INVALID_ARGUMENT', `unknown faiss query param ${JSON.stringify(name)}; known: nprobe, efSearch`, {
        details: { name, expected: 'nprobe, efSearch' },
      });
  }
  return out;
}

export function paramsToJson(params: FaissParams): { [key: string]: JsonValue } {
  return { ...params };
}

function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

function checkFraction(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1) {
    throw invalid(name, 'a number greater than 0 and at most 1', value);
  }
  return value;
}

function invalid(name: string, expected: string, actual: unknown): VecdexError {
  return new VecdexError('INVALID_ARGUMENT', `faiss param ${name} must be ${expected}, got ${describeValue(actual)}`, {
    details: { name, expected },
  });
}
