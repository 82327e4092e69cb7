import {
  VecdexError,
  isVecdexError,
  type IndexChange,
  type IndexContext,
  type IndexEntry,
  type IndexHit,
  type IndexSearchOptions,
  type IndexStats,
  type JsonValue,
  type Metric,
  type VectorIndex,
} from '@vecdex/core';
import type { PgCollectionTable, PgNativeAccess } from '../native-access.js';
import { countRows, findIndex, otherNativeIndexes } from './native-catalog.js';
import { buildNativeIndex, quoteIdent } from './native-build.js';
import { buildingName, nativeIndexName } from './index-name.js';
import {
  autoProbes,
  queryParam,
  type HnswNativeParams,
  type IvfflatNativeParams,
  type NativeMethod,
  type NativeParams,
} from './native-params.js';
import { nativeSearch } from './native-search.js';
import type { IndexExpression } from './index-expression.js';
import { stateFromJson, stateToJson, type NativeIndexState } from './native-state.js';

export interface NativeIndexSetup {
  access: PgNativeAccess;
  context: IndexContext;
  method: NativeMethod;
  params: NativeParams;
  table: PgCollectionTable;
  /** Generated SQL name. */
  name: string;
  /** Operator class for the collection's column type and metric (unqualified, e.g. `vector_l2_ops`). */
  opclass: string;
  /** The quoted schema of pgvector's types, operators and operator classes. */
  ext: string;
  /** A compressed index's expression of the column (halfvec, binary_quantize, subvector), or null. */
  expression: IndexExpression | null;
}

/**
 * A pgvector HNSW or IVFFlat index on one collection's table. PostgreSQL keeps it up to date
 * as rows change, so `apply` has nothing to do; core's sync bookkeeping (cursor, state) still
 * runs as for any index. The index lives in the database: `save` records what was built,
 * `load` checks it is still there and matches, and returns false (core rebuilds) otherwise.
 */
export class PgNativeIndex implements VectorIndex {
  readonly #s: NativeIndexSetup;
  readonly #plugin: string;
  #state: NativeIndexState | null = null;
  #bytes = 0;
  #notices: string[] = [];
  #lastLoadProblem: string | null = null;
  #lastBuild: { concurrent: boolean; maintenanceWorkMemMB: number } | null = null;

  constructor(setup: NativeIndexSetup) {
    this.#s = setup;
    this.#plugin = `pgvector-${setup.method}`;
  }

  /** Ignores `source`: the rows are already in the table the index is built on. */
  async build(_source: AsyncIterable<IndexEntry[]>, options: { onProgress?: (done: number) => void } = {}): Promise<void> {
    const s = this.#s;
    await this.#refuseSecondIndex();
    const built = await this.#wrap('build', () =>
      buildNativeIndex({
        access: s.access,
        table: s.table,
        name: s.name,
        method: s.method,
        params: s.params,
        opclass: `${s.ext}.${s.opclass}`,
        indexed: s.expression?.over(s.table.vectorColumn) ?? s.table.vectorColumn,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      }),
    );
    this.#notices = built.notices;
    this.#lastBuild = { concurrent: built.concurrent, maintenanceWorkMemMB: built.maintenanceWorkMemMB };
    const p = s.params;
    const build: { [key: string]: number } =
      s.method === 'hnsw'
        ? { m: (p as HnswNativeParams).m, efConstruction: (p as HnswNativeParams).efConstruction }
        : { lists: built.lists ?? 1 };
    this.#state = {
      version: 1,
      indexName: s.name,
      method: s.method,
      metric: s.context.metric,
      opclass: s.opclass,
      build,
      rows: built.rows,
    };
    this.#bytes = (await this.#wrap('stats', () => findIndex(s.access, s.table, s.name)))?.bytes ?? 0;
  }

  /** PostgreSQL maintains the index in the same transaction as each write: nothing to apply. */
  async apply(_changes: readonly IndexChange[]): Promise<void> {}

  async search(query: Float32Array, options: IndexSearchOptions): Promise<IndexHit[]> {
    const state = this.#state;
    // Validate per-query params even before the first build, so a typo fails the same way always.
    const setting = queryParam(this.#s.method, options.params, this.#defaultSetting());
    if (state === null) return []; // never built: core answers exactly
    return this.#wrap('search', () =>
      nativeSearch({
        access: this.#s.access,
        table: this.#s.table,
        collection: this.#s.context.definition.collections[0] as string,
        method: this.#s.method,
        ext: this.#s.ext,
        metric: state.metric,
        setting,
        query,
        options,
        expression: this.#s.expression,
      }),
    );
  }

  async save(): Promise<{ [key: string]: JsonValue }> {
    const state = this.#state;
    if (state === null)
      throw new VecdexError(
        'INVALID_ARGUMENT',
        `${this.#plugin} index "${this.#s.context.definition.name}" was never built; build it first`,
      );
    const s = this.#s;
    state.rows = await this.#wrap('save', () => countRows(s.access, s.table));
    this.#bytes = (await this.#wrap('save', () => findIndex(s.access, s.table, state.indexName)))?.bytes ?? this.#bytes;
    return stateToJson(state);
  }

  async load(json: { [key: string]: JsonValue }): Promise<boolean> {
    const problem = await this.#wrap('load', () => this.#check(json));
    this.#lastLoadProblem = typeof problem === 'string' ? problem : null;
    if (typeof problem === 'string') return false;
    this.#state = problem.state;
    this.#bytes = problem.bytes;
    return true;
  }

  stats(): IndexStats {
    const state = this.#state;
    const out: IndexStats = {
      items: state?.rows ?? 0,
      deleted: 0, // PostgreSQL's VACUUM reclaims deleted rows' index entries
      bytesOnDisk: this.#bytes,
      needsCompaction: false,
      method: this.#s.method,
      indexName: this.#s.name,
      metric: state?.metric ?? this.#s.context.metric,
      opclass: this.#s.opclass,
    };
    if (this.#s.expression !== null) {
      out.expression = this.#s.expression.describe;
      out.indexedDimensions = this.#s.expression.dims;
      out.rescoreOversample = this.#s.expression.oversample;
    }
    if (state !== null) for (const [k, v] of Object.entries(state.build)) out[k] = v;
    if (this.#s.method === 'ivfflat') out.probes = this.#defaultSetting();
    if (this.#notices.length > 0) out.buildNotices = [...this.#notices];
    if (this.#lastBuild !== null) {
      out.buildConcurrently = this.#lastBuild.concurrent;
      out.buildMaintenanceWorkMemMB = this.#lastBuild.maintenanceWorkMemMB;
    }
    if (this.#lastLoadProblem !== null) out.lastLoadProblem = this.#lastLoadProblem;
    return out;
  }

  async drop(): Promise<void> {
    const { access, name } = this.#s;
    const schema = quoteIdent(access.schema);
    await this.#wrap('drop', async () => {
      await access.pool.query(`DROP INDEX IF EXISTS ${schema}.${quoteIdent(buildingName(name))}, ${schema}.${quoteIdent(name)}`);
    });
    this.#state = null;
    this.#bytes = 0;
  }

  async close(): Promise<void> {} // the pool belongs to the backend

  /** The state if the stored index is still there and is what the definition describes, else why not. */
  async #check(json: { [key: string]: JsonValue }): Promise<{ state: NativeIndexState; bytes: number } | string> {
    const s = this.#s;
    const state = stateFromJson(json);
    if (typeof state === 'string') return state;
    if (state.indexName !== s.name) return `the state names index ${state.indexName}, expected ${s.name}`;
    if (state.method !== s.method) return `the index was built with ${state.method}, the definition asks for ${s.method}`;
    if (state.metric !== s.context.metric) return metricChanged(state.metric, s.context.metric);
    if (state.opclass !== s.opclass) return `the index uses ${state.opclass}, the collection now needs ${s.opclass}`;
    const wanted = s.method === 'hnsw' ? (s.params as HnswNativeParams) : (s.params as IvfflatNativeParams);
    for (const [k, v] of Object.entries(wanted)) {
      if (k in state.build && v !== null && state.build[k] !== v)
        return `the index was built with ${k} ${state.build[k]}, the definition says ${v}`;
    }
    const found = await findIndex(s.access, s.table, s.name);
    if (found === null) return `index ${s.name} no longer exists in PostgreSQL`;
    if (!found.valid) return `index ${s.name} is INVALID in PostgreSQL`;
    if (!found.onTable || found.method !== s.method || !found.definition.includes(s.opclass)) {
      return `index ${s.name} in PostgreSQL is not a ${s.method} index with ${s.opclass} on the collection's table`;
    }
    return { state, bytes: found.bytes };
  }

  /**
   * PostgreSQL chooses among a table's indexes by cost, not by the index a query names: with two
   * native indexes on one collection, `pgvector-ivfflat` queries could run on the HNSW graph.
   * So a collection holds one native index at a time.
   */
  async #refuseSecondIndex(): Promise<void> {
    const s = this.#s;
    const others = await this.#wrap('build', () => otherNativeIndexes(s.access, s.table, s.name));
    if (others.length === 0) return;
    const defs = await s.context.backend.listIndexDefinitions();
    const owner = defs.find((d) => d.collections.length === 1 && others.includes(nativeIndexName(s.table.cid, d.name)));
    const which = owner === undefined ? `PostgreSQL index ${others.join(', ')}` : `index "${owner.name}" (${owner.plugin})`;
    throw new VecdexError(
      'INVALID_ARGUMENT',
      `collection "${s.context.definition.collections[0]}" already has a native pgvector index, ${which}; PostgreSQL picks one index per query by cost, so drop that one first (vx.indexes.drop / \`vecdex index drop\`)`,
      { details: { index: s.context.definition.name, others } },
    );
  }

  #defaultSetting(): number {
    const p = this.#s.params;
    if (this.#s.method === 'hnsw') return (p as HnswNativeParams).efSearch;
    const ivf = p as IvfflatNativeParams;
    return ivf.probes ?? autoProbes(this.#state?.build.lists ?? ivf.lists ?? 1);
  }

  /** Typed errors pass through; driver errors become BACKEND_FAILURE with what was being done. */
  async #wrap<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (isVecdexError(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new VecdexError(
        'BACKEND_FAILURE',
        `${this.#plugin} index "${this.#s.context.definition.name}": ${what} failed in PostgreSQL: ${message}; check the server and retry (a failed build leaves the previous index in place)`,
        { cause: error, details: { index: this.#s.context.definition.name, operation: what } },
      );
    }
  }
}

function metricChanged(built: Metric, now: Metric): string {
  return `the index was built for metric ${built}, the collection now uses ${now}`;
}
