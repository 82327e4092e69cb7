import type { Vecdex } from '../api/vecdex.js';
import { VecdexError } from '../errors/vecdex-error.js';
import type { CollectionInfo } from '../model/collection.js';
import { validateUserName } from '../validation/validate-name.js';
import { EmbeddingCache } from './embedding-cache.js';
import { loadTelemetry, traced } from '../telemetry/telemetry.js';
import { type IngestContext, processWindow } from './ingest-window.js';
import type { IngestOptions, IngestRecord, IngestReport } from './ingest-types.js';
import { checkCollection, createCollectionFor } from './prepare-collection.js';
import { TaskPool } from './task-pool.js';

/**
 * Embed texts into a collection: the pipeline behind `vecdex embed-multi`.
 *
 * Records are read in batches; each batch is checked against the store (an item whose stored
 * `contentHash` matches its text is skipped, so an unchanged corpus costs no request), then
 * against the embedding cache, and only the rest is sent to the provider, with at most
 * `concurrency` requests in flight, timeouts and retries (see `embedWithRetry`). Each batch is
 * upserted as soon as its vectors arrive, so an interrupted run loses at most the batches in
 * flight, and re-running it finishes the rest without duplicates. The collection is created on
 * first use with the provider's dimensions and remembers the model; another model is refused
 * (`MODEL_MISMATCH`). Items that still fail are listed in `report.failed`, never dropped.
 *
 * ```ts
 * const provider = await createEmbeddingProvider(vx.plugins, { provider: 'hashing' })
 * const report = await ingest(vx, { collection: 'docs', provider, records: [{ id: 'a', text: 'hello' }] })
 * ```
 */
export async function ingest(vx: Vecdex, options: IngestOptions): Promise<IngestReport> {
  await loadTelemetry();
  const attributes = { 'vecdex.collection': options.collection, 'vecdex.model': options.provider?.model };
  return traced('vecdex.ingest', attributes, async (span) => {
    const report = await ingestRecords(vx, options);
    span?.setAttributes({
      'vecdex.records': report.records,
      'vecdex.embedded': report.embedded,
      'vecdex.cache_hits': report.cached,
      'vecdex.unchanged': report.unchanged,
      'vecdex.failed': report.failed.length,
      'vecdex.requests': report.requests,
    });
    return report;
  });
}

async function ingestRecords(vx: Vecdex, options: IngestOptions): Promise<IngestReport> {
  const started = Date.now();
  validateUserName('collection', options.collection);
  // An alias writes into the collection it points to.
  const existing = await vx.aliases.resolve(options.collection);
  const name = existing?.name ?? options.collection;
  const { provider } = options;
  const backend = vx.backend;
  const concurrency = options.concurrency ?? 4;
  const batchSize = Math.max(
    1,
    Math.min(options.batchSize ?? provider.maxBatchSize ?? 64, provider.maxBatchSize ?? Number.MAX_SAFE_INTEGER),
  );
  for (const [key, v] of [
    ['concurrency', concurrency],
    ['batchSize', batchSize],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1)
      throw new VecdexError('INVALID_ARGUMENT', `${key} must be a positive integer, got ${v}`);
  }

  let info: CollectionInfo | null =
    existing === null ? null : await checkCollection(backend, existing, provider.model, provider.dimensions);
  let created = false;
  let creating: Promise<CollectionInfo> | null = null;
  const caches = new Map<number, EmbeddingCache>();

  const report: IngestReport = {
    collection: name,
    model: provider.model,
    created: false,
    records: 0,
    embedded: 0,
    cached: 0,
    updated: 0,
    unchanged: 0,
    failed: [],
    requests: 0,
    seconds: 0,
  };
  let done = 0;
  const ctx: IngestContext = {
    backend,
    provider,
    options,
    report,
    collection: () => info,
    ensureCollection: (dimensions: number) => {
      if (info !== null) return Promise.resolve(info);
      creating ??= createCollectionFor(backend, name, provider.model, dimensions, options.metric ?? 'cosine').then((c) => {
        info = c;
        created = true;
        return c;
      });
      return creating;
    },
    cache: (dimensions: number) => {
      if (options.cache === false) return null;
      let c = caches.get(dimensions);
      if (c === undefined) {
        c = new EmbeddingCache(backend, provider.model, dimensions);
        caches.set(dimensions, c);
      }
      return c;
    },
    finished: (n: number) => {
      done += n;
      options.onProgress?.({
        done,
        total: options.total,
        embedded: report.embedded + report.cached,
        failed: report.failed.length,
      });
    },
  };
  if (info === null && provider.dimensions !== undefined) await ctx.ensureCollection(provider.dimensions);

  const pool = new TaskPool(concurrency);
  const seen = new Set<string>();
  let window: IngestRecord[] = [];
  try {
    for await (const record of options.records) {
      options.signal?.throwIfAborted();
      report.records++;
      const id = typeof record?.id === 'string' ? record.id : String(record?.id);
      if (seen.has(id)) {
        report.failed.push({ id, reason: 'the id appears more than once in the input; the first record was used' });
        ctx.finished(1);
        continue;
      }
      seen.add(id);
      window.push(record);
      if (window.length >= batchSize) {
        const batch = window;
        window = [];
        await pool.run(() => processWindow(ctx, batch));
      }
    }
    if (window.length > 0) {
      const batch = window;
      await pool.run(() => processWindow(ctx, batch));
    }
  } catch (err) {
    // Let the batches in flight finish (their items are written), then report the first cause.
    await pool.drain().catch(() => undefined);
    throw err;
  }
  await pool.drain();
  report.created = created;
  report.seconds = (Date.now() - started) / 1000;
  return report;
}
