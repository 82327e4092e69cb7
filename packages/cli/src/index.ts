/**
 * vecdex: the command line. `runCli` runs it (the bin calls it with `process.argv`);
 * `buildProgram` gives the commander program, for embedding or documentation tools.
 */
export { runCli } from './run-cli.js';
export { buildProgram } from './program.js';
export type { CliIo, CliStream } from './cli-io.js';
export { redact, redactText, isSecretKey } from './output/redact.js';
