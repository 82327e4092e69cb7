import { Command } from 'commander';
import type { CliIo } from './cli-io.js';
import { registerBench } from './commands/bench.js';
import { registerAdvise } from './commands/advise.js';
import { registerCache } from './commands/cache.js';
import { registerCollections } from './commands/collections.js';
import { registerConfig } from './commands/config.js';
import { registerDelete } from './commands/delete.js';
import { registerDoctor } from './commands/doctor.js';
import { registerEmbed } from './commands/embed.js';
import { registerEmbedMulti } from './commands/embed-multi.js';
import { registerGet } from './commands/get.js';
import { registerImport } from './commands/import.js';
import { registerIndexes } from './commands/indexes.js';
import { registerInit } from './commands/init.js';
import { registerPruneTombstones } from './commands/prune-tombstones.js';
import { registerCompact } from './commands/compact.js';
import { registerBackup } from './commands/backup.js';
import { registerImportLlm } from './commands/import-llm.js';
import { registerAlias } from './commands/alias.js';
import { registerReembed } from './commands/reembed.js';
import { registerCopy } from './commands/copy.js';
import { registerSearch } from './commands/search.js';
import { registerSimilar } from './commands/similar.js';
import { cliVersion } from './version.js';

/**
 * The commander program with every command registered. It never exits the process: errors are
 * thrown (commander's as `CommanderError`) and turned into an exit status by `runCli`.
 * `jsonErrors` makes commander's own usage errors JSON too (`--json` anywhere on the line).
 */
export function buildProgram(io: CliIo, options: { jsonErrors?: boolean } = {}): Command {
  const program = new Command('vecdex');
  program
    .description('Store embeddings and search them: collections, import, indexes, similarity search.')
    .version(cliVersion(), '-V, --version')
    .option('-c, --config <file>', 'config file to use instead of searching from the working directory')
    .option('--json', 'machine-readable output: one JSON document on stdout, errors as JSON on stderr')
    .option('-q, --quiet', 'print only results and errors')
    .exitOverride()
    .showSuggestionAfterError()
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => {
        if (options.jsonErrors === true) {
          write(`${JSON.stringify({ error: { code: 'USAGE', message: s.replace(/^error:\s*/, '').trim() } })}\n`);
        } else {
          write(s.replace(/^error:/, 'vecdex:'));
        }
      },
    })
    .addHelpText(
      'after',
      `
Exit status: 0 ok, 1 error (bad data, unknown collection or index, store problem), 2 usage error.
Set VECDEX_DEBUG=1 to see stack traces.`,
    );
  registerInit(program, io);
  registerCollections(program, io);
  registerImport(program, io);
  registerEmbed(program, io);
  registerEmbedMulti(program, io);
  registerSimilar(program, io);
  registerSearch(program, io);
  registerIndexes(program, io);
  registerBench(program, io);
  registerAdvise(program, io);
  registerGet(program, io);
  registerDelete(program, io);
  registerPruneTombstones(program, io);
  registerCompact(program, io);
  registerBackup(program, io);
  registerImportLlm(program, io);
  registerAlias(program, io);
  registerReembed(program, io);
  registerCopy(program, io);
  registerCache(program, io);
  registerConfig(program, io);
  registerDoctor(program, io);
  return program;
}
