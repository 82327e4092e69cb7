import type { Command } from 'commander';
import { contextFor } from '../cli-context.js';
import type { CliIo } from '../cli-io.js';
import { type ProviderFlags, addProviderFlags } from '../ingest/provider-flags.js';
import { describeReport, failIfFailed, runIngest } from '../ingest/run-ingest.js';
import { withStore } from '../open-store.js';

/**
 * `vecdex reembed <from> <to>`: embed the stored content of <from> again with another provider
 * or model into <to> (same ids, content, metadata), resumably; with `--alias`, repoint that alias
 * to <to> once every item is in.
 */
export function registerReembed(program: Command, io: CliIo): void {
  addProviderFlags(
    program
      .command('reembed <from> <to>')
      .description('embed the content of a collection again with another model into a new collection (resumable)')
      .option('--alias <name>', 'when every item is in, point this alias at <to> (one atomic switch)'),
  )
    .addHelpText(
      'after',
      `
Examples:
  vecdex alias set docs docs_v1
  vecdex reembed docs docs_v2 --provider openai --model text-embedding-3-small --alias docs

Items need stored content (embed with --store). Interrupted? Run the same command again: items
already in <to> with the same text are skipped. Searches through the alias keep answering from
the old collection until the switch, and from the new one after it.`,
    )
    .action(async (from: string, to: string, opts: ProviderFlags & { alias?: string }, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      const { report, alias } = await withStore(ctx, async (vx) => {
        const report = await runIngest(vx, ctx, to, opts, { reembedFrom: from });
        if (opts.alias === undefined || report.failed.length > 0) return { report, alias: null };
        const { previous } = await vx.aliases.set(opts.alias, report.collection);
        return { report, alias: { alias: opts.alias, collection: report.collection, previous } };
      });
      ctx.out.done({ ...report, alias }, () => {
        const switched =
          alias === null
            ? ''
            : `\nalias "${alias.alias}" -> "${alias.collection}"${alias.previous ? ` (was "${alias.previous}")` : ''}`;
        return describeReport(report) + switched;
      });
      failIfFailed(ctx, report);
    });
}
