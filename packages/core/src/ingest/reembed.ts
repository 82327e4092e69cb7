import type { Vecdex } from '../api/vecdex.js';
import { errors } from '../errors/error-factories.js';
import type { IngestOptions, IngestRecord, IngestReport } from './ingest-types.js';
import { ingest } from './ingest.js';

/** `reembed()`: the ingest options, with `from` (a collection or alias) instead of `records`. */
export interface ReembedOptions extends Omit<IngestOptions, 'records' | 'collection' | 'total' | 'storeContent'> {
  /** The collection (or alias) whose items' `content` is embedded again. */
  from: string;
  /** The collection written (created with the provider's model and dimensions on first use). */
  to: string;
  /** Items read from `from` per page (default 500). */
  pageSize?: number;
}

/**
 * Embed the content of every item of `from` again, with another provider or model, into `to`:
 * same ids, content and metadata, new vectors. It is `ingest()` fed from a scan of `from`, so it
 * is resumable (an item already in `to` with the same text hash is skipped: re-run after an
 * interruption and it does the rest), rate-limit aware (retries with back-off and `Retry-After`),
 * and reports progress. Items without content cannot be re-embedded: they are listed in
 * `report.failed`. `from` stays as it is; switch readers over with `vx.aliases.set()`.
 *
 * ```ts
 * const provider = await createEmbeddingProvider(vx.plugins, { provider: 'hashing', dimensions: 64 })
 * await reembed(vx, { from: 'docs_v1', to: 'docs_v2', provider })
 * await vx.aliases.set('docs', 'docs_v2')
 * ```
 */
export async function reembed(vx: Vecdex, options: ReembedOptions): Promise<IngestReport> {
  const { from, to, pageSize = 500, ...rest } = options;
  const source = await vx.collection(from).info();
  const target = (await vx.aliases.resolve(to)) ?? null;
  if (target !== null && target.name === source.name) {
    throw errors.invalidArgument('to', `a collection other than the source "${source.name}"`, to);
  }
  const total = await vx.backend.count(source.name);
  async function* records(): AsyncIterable<IngestRecord> {
    for await (const batch of vx.backend.scan(source.name, { batchSize: pageSize, vectors: false })) {
      for (const item of batch) yield { id: item.id, text: item.content ?? '', metadata: item.metadata };
    }
  }
  return ingest(vx, {
    ...rest,
    metric: rest.metric ?? source.metric,
    collection: target?.name ?? to,
    records: records(),
    total,
    storeContent: true,
  });
}
