import {
  type IngestRecord,
  type IngestReport,
  type Vecdex,
  createEmbeddingProvider,
  ingest,
  reembed,
  validateName,
} from '@vecdex/core';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { redactText } from '../output/redact.js';
import { Progress } from '../progress.js';
import { type ProviderFlags, providerRequest } from './provider-flags.js';

/**
 * Resolve the provider, run the ingest with a progress bar (on a terminal only), and stop
 * cleanly on Ctrl-C: requests in flight are abandoned, batches already written stay, and a
 * re-run does the rest (exit status 130).
 */
export async function runIngest(
  vx: Vecdex,
  ctx: CliContext,
  collection: string,
  flags: ProviderFlags,
  source: { records: AsyncIterable<IngestRecord> | Iterable<IngestRecord>; total?: number } | { reembedFrom: string },
): Promise<IngestReport> {
  validateName('collection', collection);
  const existing = await vx.collections.get(collection);
  const request = providerRequest(vx.config.embedding, flags, existing);
  const provider = await createEmbeddingProvider(vx.plugins, request, ctx.io.env);
  const bar = new Progress({
    stream: ctx.io.stderr,
    enabled: !ctx.globals.json && !ctx.globals.quiet,
    label: 'embedding',
    total: 'records' in source ? source.total : await vx.collection(source.reembedFrom).count(),
  });
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    bar.finish();
    ctx.io.stderr.write('vecdex: interrupting; every batch already written stays written (Ctrl-C again to quit at once)\n');
    controller.abort(new CliError('INTERRUPTED', 'interrupted', { exitCode: 130 }));
  };
  process.on('SIGINT', onSigint);
  try {
    const common = {
      provider,
      batchSize: request.batchSize,
      concurrency: request.concurrency,
      cache: flags.cache,
      metric: flags.metric,
      retry: {
        ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
        ...(request.maxAttempts !== undefined ? { maxAttempts: request.maxAttempts } : {}),
      },
      signal: controller.signal,
      onProgress: (p: { done: number }) => bar.update(p.done),
    };
    const report =
      'records' in source
        ? await ingest(vx, {
            ...common,
            collection,
            records: source.records,
            total: source.total,
            storeContent: flags.store === true,
          })
        : await reembed(vx, { ...common, from: source.reembedFrom, to: collection });
    // A provider's failure reason may quote its URL, credentials included.
    return { ...report, failed: report.failed.map((f) => ({ ...f, reason: redactText(f.reason) })) };
  } catch (err) {
    if (controller.signal.aborted) {
      throw new CliError('INTERRUPTED', 'interrupted; everything embedded so far is stored', {
        exitCode: 130,
        hint: 're-run the same command to finish: unchanged items are skipped',
      });
    }
    throw err;
  } finally {
    bar.finish();
    process.off('SIGINT', onSigint);
  }
}

/** The human summary of a report. */
export function describeReport(r: IngestReport): string {
  const parts = [
    `${r.embedded} embedded (${r.requests} request${r.requests === 1 ? '' : 's'})`,
    `${r.cached} from cache`,
    `${r.updated} updated`,
    `${r.unchanged} unchanged`,
    `${r.failed.length} failed`,
  ];
  const created = r.created ? ` (created collection "${r.collection}")` : '';
  return `${r.records} item(s) into "${r.collection}" with model ${r.model}${created}: ${parts.join(', ')} in ${r.seconds.toFixed(1)} s`;
}

/** After printing the report: fail the command when items failed, listing them on stderr. */
export function failIfFailed(ctx: CliContext, r: IngestReport): void {
  if (r.failed.length === 0) return;
  if (!ctx.globals.json) {
    for (const f of r.failed.slice(0, 20)) ctx.io.stderr.write(`  failed ${JSON.stringify(f.id)}: ${redactText(f.reason)}\n`);
    if (r.failed.length > 20) ctx.io.stderr.write(`  ... and ${r.failed.length - 20} more (see --json)\n`);
  }
  throw new CliError('INGEST_INCOMPLETE', `${r.failed.length} item(s) were not embedded`, {
    hint: 're-run the same command to retry them: items already stored are skipped',
  });
}
