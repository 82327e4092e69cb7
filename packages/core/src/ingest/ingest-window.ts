import type { EmbeddingProvider } from '../contracts/embedding-provider.js';
import type { StorageBackend } from '../contracts/storage-backend.js';
import type { CollectionInfo } from '../model/collection.js';
import type { Metadata, NormalizedItem } from '../model/item.js';
import { EmbedBatchError, embedWithRetry } from '../providers/embed-with-retry.js';
import { validateId } from '../validation/validate-id.js';
import { normalizeItem } from '../validation/validate-item.js';
import { contentHash, estimateTokens } from './content-hash.js';
import type { EmbeddingCache } from './embedding-cache.js';
import type { IngestOptions, IngestRecord, IngestReport } from './ingest-types.js';

/** What `processWindow` shares with the run. */
export interface IngestContext {
  backend: StorageBackend;
  provider: EmbeddingProvider;
  options: IngestOptions;
  report: IngestReport;
  collection(): CollectionInfo | null;
  ensureCollection(dimensions: number): Promise<CollectionInfo>;
  cache(dimensions: number): EmbeddingCache | null;
  finished(n: number): void;
}

interface Pending {
  id: string;
  text: string;
  metadata: Metadata | null;
  hash: string;
}

/**
 * One batch of records: skip what is stored unchanged, rewrite what changed only in metadata or
 * stored content (reusing the stored vector), take cached vectors, embed the rest, and upsert
 * the batch in one write. Failures are recorded per item.
 */
export async function processWindow(ctx: IngestContext, records: readonly IngestRecord[]): Promise<void> {
  const { report, provider } = ctx;
  const store = ctx.options.storeContent === true;
  const fail = (id: string, reason: string, attempts?: number) => {
    report.failed.push(attempts === undefined ? { id, reason } : { id, reason, attempts });
  };
  const pending: Pending[] = [];
  for (const r of records) {
    const id = String(r.id);
    try {
      validateId(r.id);
    } catch (err) {
      fail(id, (err as Error).message);
      continue;
    }
    if (typeof r.text !== 'string' || r.text.trim() === '') {
      fail(id, 'the text is empty; there is nothing to embed');
      continue;
    }
    if (provider.maxInputTokens !== undefined && estimateTokens(r.text) > provider.maxInputTokens) {
      fail(
        id,
        `the text is about ${estimateTokens(r.text)} tokens, over model "${provider.model}"'s limit of ${provider.maxInputTokens}`,
      );
      continue;
    }
    pending.push({ id, text: r.text, metadata: r.metadata ?? null, hash: contentHash(provider.model, r.text) });
  }

  // 1. Compare with what is stored.
  const info = ctx.collection();
  const toEmbed: Pending[] = [];
  const reuse: Pending[] = [];
  if (info !== null && pending.length > 0) {
    const stored = new Map(
      (
        await ctx.backend.get(
          info.name,
          pending.map((p) => p.id),
          { vectors: false },
        )
      ).map((s) => [s.id, s]),
    );
    for (const p of pending) {
      const s = stored.get(p.id);
      if (s === undefined || s.contentHash !== p.hash) toEmbed.push(p);
      else if (s.content === (store ? p.text : null) && sameJson(s.metadata, p.metadata)) report.unchanged++;
      else reuse.push(p);
    }
  } else {
    toEmbed.push(...pending);
  }
  const vectors = new Map<string, Float32Array>();
  if (reuse.length > 0 && info !== null) {
    for (const s of await ctx.backend.get(
      info.name,
      reuse.map((p) => p.id),
      { vectors: true },
    )) {
      if (s.vector !== undefined) vectors.set(s.id, s.vector);
    }
  }

  // 2. The embedding cache.
  const dims = info?.dimensions ?? provider.dimensions;
  const cache = dims === undefined ? null : ctx.cache(dims);
  let remaining = toEmbed;
  if (cache !== null && toEmbed.length > 0) {
    const hits = await cache.lookup(toEmbed.map((p) => p.hash));
    remaining = [];
    for (const p of toEmbed) {
      const v = hits.get(p.hash);
      if (v === undefined) remaining.push(p);
      else {
        vectors.set(p.id, v);
      }
    }
  }

  // 3. The provider.
  const fresh: Pending[] = [];
  if (remaining.length > 0) await embedSplitting(ctx, remaining, vectors, fresh, fail);

  // 4. One write for the batch.
  const ready = [...reuse, ...toEmbed].filter((p) => vectors.has(p.id));
  if (ready.length > 0) {
    const target = await ctx.ensureCollection((vectors.get((ready[0] as Pending).id) as Float32Array).length);
    const norm = { collection: target.name, dimensions: target.dimensions, metric: target.metric };
    const items: NormalizedItem[] = [];
    const written = new Set<string>();
    for (const p of ready) {
      try {
        items.push(
          normalizeItem(
            { id: p.id, vector: vectors.get(p.id), content: store ? p.text : null, metadata: p.metadata, contentHash: p.hash },
            norm,
          ),
        );
        written.add(p.id);
      } catch (err) {
        fail(p.id, (err as Error).message);
      }
    }
    if (items.length > 0) await ctx.backend.upsert(target.name, items);
    const freshWritten = fresh.filter((p) => written.has(p.id));
    report.embedded += freshWritten.length;
    report.cached += toEmbed.filter((p) => written.has(p.id)).length - freshWritten.length;
    report.updated += reuse.filter((p) => written.has(p.id)).length;
    const c = ctx.cache(target.dimensions);
    if (c !== null) await c.store(freshWritten.map((p) => ({ hash: p.hash, vector: vectors.get(p.id) as Float32Array })));
  }
  ctx.finished(records.length);
}

/**
 * Embed `items`; a batch refused outright (a non-retryable error such as 400, often caused by
 * one bad text) is split in halves to isolate the culprit. A batch that exhausted its retries
 * is reported failed as a whole: splitting it would only multiply requests to a failing server.
 */
async function embedSplitting(
  ctx: IngestContext,
  items: Pending[],
  vectors: Map<string, Float32Array>,
  fresh: Pending[],
  fail: (id: string, reason: string, attempts?: number) => void,
): Promise<void> {
  try {
    const out = await embedWithRetry(
      countingProvider(ctx),
      items.map((p) => p.text),
      { policy: ctx.options.retry, signal: ctx.options.signal, onRetry: ctx.options.onRetry, random: ctx.options.random },
    );
    for (const [i, p] of items.entries()) vectors.set(p.id, out[i] as Float32Array);
    fresh.push(...items);
  } catch (err) {
    if (!(err instanceof EmbedBatchError)) throw err;
    if (!err.retryable && items.length > 1) {
      const mid = Math.ceil(items.length / 2);
      await embedSplitting(ctx, items.slice(0, mid), vectors, fresh, fail);
      await embedSplitting(ctx, items.slice(mid), vectors, fresh, fail);
      return;
    }
    const reason = err.cause instanceof Error ? err.cause.message : err.message;
    for (const p of items) fail(p.id, reason, err.attempts);
  }
}

/** The provider, counting each call as a request in the report. */
function countingProvider(ctx: IngestContext): EmbeddingProvider {
  const p = ctx.provider;
  return {
    model: p.model,
    get dimensions() {
      return ctx.collection()?.dimensions ?? p.dimensions;
    },
    maxBatchSize: p.maxBatchSize,
    embed(texts, opts) {
      ctx.report.requests++;
      return p.embed(texts, opts);
    },
  };
}

/** Deep equality of two JSON values, ignoring key order. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
