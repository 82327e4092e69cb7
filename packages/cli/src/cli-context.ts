import type { Command } from 'commander';
import type { CliIo } from './cli-io.js';
import { Reporter } from './output/reporter.js';

/** Options every command accepts (declared on the program). */
export interface GlobalOptions {
  /** Config file (`--config`), passed to `openVecdex({ config })`. */
  config?: string;
  json: boolean;
  quiet: boolean;
}

/** What a command action gets: the io, the global options and a reporter honouring them. */
export interface CliContext {
  io: CliIo;
  globals: GlobalOptions;
  out: Reporter;
}

/** Build the context for the command being run, reading the program's options through it. */
export function contextFor(io: CliIo, command: Command): CliContext {
  const all = command.optsWithGlobals<{ config?: string; json?: boolean; quiet?: boolean }>();
  const globals: GlobalOptions = { config: all.config, json: all.json === true, quiet: all.quiet === true };
  return { io, globals, out: new Reporter(io, globals) };
}
