import type { Command } from 'commander';
import type { Metadata } from '@vecdex/core';
import { contextFor } from '../cli-context.js';
import { UsageError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { type ProviderFlags, addProviderFlags } from '../ingest/provider-flags.js';
import { describeReport, failIfFailed, runIngest } from '../ingest/run-ingest.js';
import { withStore } from '../open-store.js';
import { jsonOption } from '../parse-args.js';

interface EmbedOptions extends ProviderFlags {
  text: string;
  metadata?: string;
}

/** `vecdex embed <collection> <id> --text T`: embed one text and upsert it. */
export function registerEmbed(program: Command, io: CliIo): void {
  addProviderFlags(
    program
      .command('embed <collection> <id>')
      .description('embed one text with the configured provider and store it under <id> (creates the collection on first use)')
      .requiredOption('-t, --text <text>', 'the text to embed')
      .option('--metadata <json>', 'metadata as a JSON object, e.g. \'{"lang":"en"}\''),
  )
    .addHelpText(
      'after',
      `
Examples:
  vecdex embed notes n1 --text "buy milk" --store                   # offline hashing provider
  vecdex embed docs a --text "hello" --provider openai --model text-embedding-3-small
  vecdex embed docs a --text "hello" --provider openai --api-base http://localhost:11434/v1 --model nomic-embed-text`,
    )
    .action(async (collection: string, id: string, opts: EmbedOptions, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      let metadata: Metadata | null = null;
      if (opts.metadata !== undefined) {
        const m = jsonOption('--metadata', opts.metadata, '{"lang":"en"}');
        if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new UsageError('--metadata must be a JSON object');
        metadata = m as Metadata;
      }
      const report = await withStore(ctx, (vx) =>
        runIngest(vx, ctx, collection, opts, { records: [{ id, text: opts.text, metadata }], total: 1 }),
      );
      ctx.out.done(report, () => describeReport(report));
      failIfFailed(ctx, report);
    });
}
