/**
 * @vecdex/core: contracts for storage backends, index plugins and embedding providers; the
 * plugin registry; config loading; and the collection API.
 */
export type { BackendCapabilities } from './contracts/backend-capabilities.js';
export type { PlannerHints } from './contracts/planner-hints.js';
export type { StorageBackend, ScanOptions, SnapshotReader } from './contracts/storage-backend.js';
export type {
  IndexPluginSpec,
  IndexContext,
  IndexKey,
  IndexEntry,
  IndexChange,
  IndexSearchOptions,
  IndexHit,
  IndexStats,
  IndexSaveOptions,
  VectorIndex,
} from './contracts/index-plugin.js';
export type { EmbeddingProvider, ProviderPluginSpec } from './contracts/embedding-provider.js';
export {
  CONTRACT_VERSION,
  definePlugin,
  isPlugin,
  type BackendPluginSpec,
  type BackendCreateContext,
  type PluginSpec,
  type VecdexPlugin,
} from './contracts/plugin.js';

export { type Metric, METRICS, isMetric, distance } from './model/metric.js';
export type { Vector, JsonValue, Metadata, Item, NormalizedItem, StoredItem } from './model/item.js';
export type { CollectionSpec, CollectionInfo, CollectionPatch, NewCollection } from './model/collection.js';
export type { Change, ChangeCursor, ChangeBatch, ReadChangesRequest } from './model/change.js';
export type { Include, ExactSearchRequest, SearchHit, KeywordSearchRequest, KeywordHit } from './model/search.js';
export type { IndexDefinition, IndexSyncState } from './model/index-definition.js';
export type { IndexEvent, IndexEventKind, IndexHistorySummary, RebuildCause } from './model/index-event.js';

export type { Filter, FilterNode, FilterScalar } from './filter/filter-ast.js';
export { MAX_FILTER_CONDITIONS, MAX_FILTER_DEPTH, parseFilter } from './filter/parse-filter.js';
export { filterPredicate, compareCodePoints } from './filter/filter-predicate.js';
export { isIndexedFilter } from './filter/indexed-filter.js';

export { VecdexError, isVecdexError, type VecdexErrorCode, type VecdexErrorOptions } from './errors/vecdex-error.js';
export { errors, describe as describeValue } from './errors/error-factories.js';
export { REDACTED, redactUrlPasswords, redactUrlUserinfo } from './errors/redact-url.js';

export { validateName } from './validation/validate-name.js';
export { validateId, MAX_ID_LENGTH } from './validation/validate-id.js';
export { toVector } from './validation/validate-vector.js';
export { normalizeItem, normalizeMetadata, metadataJson, MAX_METADATA_BYTES } from './validation/validate-item.js';
export { validateK, MAX_K } from './validation/validate-k.js';
export { validateCollectionSpec } from './validation/validate-collection-spec.js';
export { MAX_FILTERABLE_FIELDS, validateFilterable } from './validation/validate-filterable.js';

export {
  defineConfig,
  BACKEND_ALIASES,
  DEFAULT_BACKEND,
  type VecdexConfig,
  type ResolvedConfig,
  type PluginRef,
  type EmbeddingConfig,
} from './config/vecdex-config.js';
export { loadConfig, resolveInlineConfig, CONFIG_SEARCH_PLACES, type LoadConfigOptions } from './config/load-config.js';
export { validateConfig } from './config/validate-config.js';

export { loadPlugin } from './registry/load-plugin.js';
export { resolvePackageEntry } from './registry/resolve-package.js';
export { PluginRegistry } from './registry/plugin-registry.js';

export { Vecdex, type VecdexOptions } from './api/vecdex.js';
export { Collection, type UpsertResult } from './api/collection.js';
export type { DeleteWhere } from './api/delete-where.js';
export type { CompactResult } from './api/compact-store.js';
export type { ItemUpdate, UpdateOptions, UpdateResult } from './api/update-items.js';
export type {
  SimilarOptions,
  SearchRequest,
  QueryInput,
  MmrOptions,
  SearchMode,
  IndexSearchRequest,
  IndexSimilarOptions,
} from './api/search-options.js';
export { type FusionOptions, type HybridHit, MAX_TEXT_LENGTH } from './api/hybrid-search.js';
export { maximalMarginalRelevance, DEFAULT_MMR_LAMBDA } from './api/mmr.js';
export { MAX_BATCH_QUERIES } from './api/similar-many.js';
export {
  QueryCache,
  DEFAULT_QUERY_CACHE,
  type QueryCacheOptions,
  type QueryCacheStats,
  type QuerySource,
} from './query/query-cache.js';
export { DEFAULT_QUERY_TIMEOUT_MS } from './query/query-embedder.js';
export { DEFAULT_RRF_K, reciprocalRankFusion, type RankedList, type FusedEntry } from './fusion/reciprocal-rank-fusion.js';
export { Collections } from './api/collections.js';
export { Aliases } from './api/aliases.js';
export {
  COPY_CHECKPOINT_COLLECTION,
  type CopiedCollection,
  type CopyOptions,
  type CopyProgress,
  type CopyReport,
  copyStore,
} from './api/copy-store.js';
export { ALIAS_COLLECTION, type AliasStore, aliasStoreFor, collectionAliasStore } from './api/alias-store.js';
export type { CollectionAlias } from './model/alias.js';
export { openVecdex, type OpenVecdexOptions } from './api/open-vecdex.js';
export { EXACT_SUBSET_MAX_SCAN, EXACT_SUBSET_THRESHOLD, OVERSAMPLE_MIN_SELECTIVITY, type SearchPlan } from './api/plan-search.js';

export type { DoctorCheck, DoctorStatus, IndexVerification } from './contracts/doctor-check.js';
export { doctor, type DoctorReport } from './doctor/run-doctor.js';
export { checkAddon, describeLoadFailure, type LoadFailure } from './doctor/native-load-failure.js';

export { Indexes, type CreateIndexOptions, type IndexQuery } from './indexes/index-manager.js';
export {
  type Precision,
  type Int8Calibration,
  PRECISIONS,
  BINARY_METRICS,
  bytesPerDimension,
  isPrecision,
} from './compression/precision.js';
export {
  type CompressionSpec,
  type CompressionOptions,
  type ReduceSpec,
  COMPRESSION_PARAM,
  normalizeCompression,
  readCompression,
} from './compression/compression-spec.js';
export { fitPca, project, type PcaModel } from './compression/pca.js';
export type { IndexStatus, StalePolicy } from './indexes/index-status.js';
export { HISTORY_COLLECTION, HISTORY_KEEP } from './indexes/index-history.js';
export type { ProgressEvent, ProgressFn, SyncResult } from './indexes/index-runtime.js';

export { createHashingProvider, hashText, DEFAULT_HASHING_DIMENSIONS } from './providers/hashing-provider.js';
export {
  createOpenAIProvider,
  DEFAULT_OPENAI_API_BASE,
  DEFAULT_OPENAI_MODEL,
  type OpenAIProviderOptions,
} from './providers/openai-provider.js';
export { hashingPlugin, openaiPlugin, BUILTIN_PROVIDERS, DEFAULT_PROVIDER } from './providers/builtin-providers.js';
export { createEmbeddingProvider, mergeEmbeddingSettings, type ProviderRequest } from './providers/create-provider.js';
export {
  embedWithRetry,
  EmbedBatchError,
  type EmbedWithRetryOptions,
  type EmbedAttemptEvent,
} from './providers/embed-with-retry.js';
export { backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy } from './providers/backoff.js';
export { parseRetryAfter } from './providers/retry-after.js';
export { providerError, type ProviderFailure } from './providers/provider-error.js';
export { validateEmbeddingResponse } from './providers/validate-response.js';
export { ingest } from './ingest/ingest.js';
export { reembed, type ReembedOptions } from './ingest/reembed.js';
export type { IngestOptions, IngestRecord, IngestReport, IngestFailure, IngestProgress } from './ingest/ingest-types.js';
export { contentHash, estimateTokens } from './ingest/content-hash.js';
export { EmbeddingCache, cacheCollectionName } from './ingest/embedding-cache.js';
export { RESERVED_COLLECTION_PREFIX, isReservedCollectionName } from './ingest/reserved-names.js';
