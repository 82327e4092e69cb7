/**
 * pgvector's own indexes as vecdex index plugins, registered by the pgvector backend itself
 * (`StorageBackend.indexPlugins()`): `pgvector-hnsw` and `pgvector-ivfflat`.
 *
 * ```ts
 * await vx.indexes.create({ name: 'docs-hnsw', plugin: 'pgvector-hnsw', collections: ['docs'],
 *   params: { m: 16, efConstruction: 64 }, default: true })
 * await vx.indexes.build('docs-hnsw')                       // CREATE INDEX ... USING hnsw
 * await docs.similar(q, { k: 10, params: { efSearch: 80 } }) // SET LOCAL hnsw.ef_search = 80
 * ```
 */
import { VecdexError, type IndexContext, type IndexPluginSpec, type VectorIndex } from '@vecdex/core';
import type { PgNativeAccess } from '../native-access.js';
import { nativeIndexName } from './index-name.js';
import { extensionSchema } from './native-catalog.js';
import { PgNativeIndex } from './native-index.js';
import { normalizeNativeParams, type NativeMethod } from './native-params.js';
import { checkIndexable, METHOD_METRICS, operatorClass } from './operator-class.js';
import { indexExpression } from './index-expression.js';

/** The native index plugins of a pgvector backend, bound to its pool and schema. */
export function nativeIndexPlugins(access: PgNativeAccess): IndexPluginSpec[] {
  return [nativeIndexPlugin(access, 'hnsw'), nativeIndexPlugin(access, 'ivfflat')];
}

/** The plugin names, for `capabilities.nativeIndexes`. */
export const NATIVE_INDEX_PLUGINS: readonly string[] = Object.freeze(['pgvector-hnsw', 'pgvector-ivfflat']);

function nativeIndexPlugin(access: PgNativeAccess, method: NativeMethod): IndexPluginSpec {
  const name = `pgvector-${method}`;
  return {
    kind: 'index',
    name,
    metrics: METHOD_METRICS[method],
    singleCollection: true,
    maintainedByStore: true, // PostgreSQL updates the index in each write's transaction
    // Compressed: an expression index (halfvec / binary_quantize / subvector) with a re-rank subquery.
    precisions: ['float32', 'float16', 'binary'],
    compressesNatively: true,
    checkCompression({ reduce }) {
      return reduce !== null && reduce.method !== 'truncate'
        ? 'it indexes SQL expressions of the column: reduce by truncation (subvector), not PCA; use another index plugin (e.g. usearch) for PCA'
        : null;
    },
    normalizeParams: (params) => ({ ...normalizeNativeParams(method, params) }),
    async open(context: IndexContext): Promise<VectorIndex> {
      const { definition } = context;
      if (definition.collections.length !== 1) {
        throw new VecdexError(
          'INVALID_ARGUMENT',
          `index "${definition.name}": a ${name} index lives in one collection's table, but it covers ${definition.collections.length} (${definition.collections.join(', ')}); drop it and create one ${name} index per collection`,
          { details: { index: definition.name, collections: definition.collections } },
        );
      }
      const params = normalizeNativeParams(method, definition.params);
      const table = await access.collectionTable(definition.collections[0] as string);
      const ext = await extensionSchema(access);
      const expression = indexExpression(context.compression, table.vectorType, table.dimensions, context.metric, ext);
      const opclass = expression?.opclass ?? operatorClass(method, table.vectorType, context.metric);
      if (expression === null) checkIndexable(name, table.vectorType, table.dimensions);
      const sqlName = nativeIndexName(table.cid, definition.name);
      return new PgNativeIndex({ access, context, method, params, table, name: sqlName, opclass, ext, expression });
    },
  };
}

export { PgNativeIndex } from './native-index.js';
export { nativeIndexName } from './index-name.js';
export { autoLists, HNSW_DEFAULTS, IVFFLAT_DEFAULTS, type HnswNativeParams, type IvfflatNativeParams } from './native-params.js';
