import type { EmbeddingProvider } from '../contracts/embedding-provider.js';
import type { Metadata } from '../model/item.js';
import type { Metric } from '../model/metric.js';
import type { RetryPolicy } from '../providers/backoff.js';
import type { EmbedAttemptEvent } from '../providers/embed-with-retry.js';

/** One text to embed: its id in the collection, the text, and optional metadata. */
export interface IngestRecord {
  id: string;
  text: string;
  metadata?: Metadata | null;
}

export interface IngestOptions {
  collection: string;
  provider: EmbeddingProvider;
  records: AsyncIterable<IngestRecord> | Iterable<IngestRecord>;
  /** Number of records, when known (for progress and ETA). */
  total?: number;
  /** Keep the text as the item's `content` (default false: only the vector and hash). */
  storeContent?: boolean;
  /** Texts per request (default: the provider's `maxBatchSize`, else 64). */
  batchSize?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  retry?: Partial<RetryPolicy>;
  /** Use the embedding cache (default true). */
  cache?: boolean;
  /** Metric of a collection created by this ingest (default cosine). */
  metric?: Metric;
  /** Stops reading and waiting; what was written stays written (re-run to finish). */
  signal?: AbortSignal;
  onProgress?: (progress: IngestProgress) => void;
  onRetry?: (event: EmbedAttemptEvent) => void;
  /** For tests: the jitter's random source. */
  random?: () => number;
}

export interface IngestProgress {
  /** Records dealt with (written, skipped or failed). */
  done: number;
  total?: number;
  embedded: number;
  failed: number;
}

/** An item that did not make it, and why. Nothing is dropped silently. */
export interface IngestFailure {
  id: string;
  reason: string;
  /** Requests made for its batch, when it failed at the provider. */
  attempts?: number;
}

export interface IngestReport {
  collection: string;
  model: string;
  /** True when this run created the collection. */
  created: boolean;
  /** Records read. */
  records: number;
  /** Items written with a vector from the provider. */
  embedded: number;
  /** Items written with a vector from the embedding cache (no request). */
  cached: number;
  /** Items whose text was unchanged but metadata or stored content changed: rewritten, no request. */
  updated: number;
  /** Items already stored with the same text, metadata and content: nothing done. */
  unchanged: number;
  failed: IngestFailure[];
  /** Embedding requests made, retries included. */
  requests: number;
  seconds: number;
}
