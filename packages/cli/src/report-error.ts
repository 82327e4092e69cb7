import { CommanderError } from 'commander';
import { isVecdexError } from '@vecdex/core';
import { CliError, ExitStatus } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { cliWording } from './output/cli-wording.js';
import { toJson } from './output/print-json.js';
import { redact, redactText } from './output/redact.js';

/** What to try next, by error code. */
const HINTS: Record<string, string> = {
  UNKNOWN_COLLECTION: 'list collections with `vecdex collections list`',
  CONFIG_NOT_FOUND: 'create a config with `vecdex init`, or fix the --config path',
  CONFIG_INVALID: 'fix the config file; `vecdex config` shows what vecdex resolved',
  PLUGIN_NOT_FOUND: 'the vecdex CLI bundles @vecdex/backend-sqlitevec; install other backends and plugins in your project',
  STORE_CORRUPT:
    'check the database path with `vecdex config`: it must be a vecdex SQLite database, or a path where one can be created',
  STORE_SCHEMA_TOO_NEW: 'this database was written by a newer vecdex; upgrade the CLI',
  MISSING_NATIVE_DEPENDENCY: 'reinstall so native modules are built for this Node.js version (e.g. `npm rebuild better-sqlite3`)',
  DIMENSION_MISMATCH: "see a collection's dimensions with `vecdex collections info <name>`",
  UNKNOWN_INDEX: 'list indexes with `vecdex index list`',
  INDEX_EXISTS: 'pick another name, or drop the old index with `vecdex index drop <name>`',
  INDEX_STALE:
    'leave out --stale error to sync before searching (the default), or pass --stale allow to search the index as it is',
};

/** A hint that depends on the error's details, else the one for its code. */
function hintFor(code: string, details: Record<string, unknown> | undefined): string | undefined {
  if (code === 'PLUGIN_NOT_FOUND' && details?.kind !== undefined && details.kind !== 'backend') {
    return 'index plugins are packages listed in "plugins" in the config (e.g. `vecdex init --plugin @vecdex/index-hnswlib`), installed in your project';
  }
  if (code === 'INVALID_ARGUMENT' && Array.isArray(details?.indexes) && typeof details.collection === 'string') {
    return `drop the index first with \`vecdex index drop ${String(details.indexes[0])}\``;
  }
  return HINTS[code];
}

/**
 * Print an error on stderr and return the exit status: 2 for usage errors, 1 for everything else.
 * Messages are redacted (a database URL in a message keeps its password hidden). With `--json`
 * the error is `{"error": {"code", "message", "hint"?}}`. Stacks appear only with VECDEX_DEBUG=1,
 * or for errors vecdex did not expect.
 */
export function reportError(err: unknown, io: CliIo, options: { json: boolean }): number {
  if (err instanceof CommanderError) {
    // Commander already printed its message (or the help) through the configured output.
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof ExitStatus) return err.exitCode;
  const debug = io.env.VECDEX_DEBUG === '1' || io.env.VECDEX_DEBUG === 'true';
  let code: string;
  let hint: string | undefined;
  let exitCode = 1;
  let expected = true;
  let details: Record<string, unknown> | undefined;
  if (err instanceof CliError) {
    code = err.code;
    hint = err.hint ?? HINTS[code];
    exitCode = err.exitCode;
  } else if (isVecdexError(err)) {
    code = err.code;
    details = err.details;
    hint = hintFor(code, details);
  } else {
    code = 'INTERNAL';
    expected = false;
  }
  const raw = err instanceof Error ? err.message : String(err);
  const message = redactText(expected ? cliWording(raw) : `unexpected error: ${raw}`);
  if (options.json) {
    const body: Record<string, unknown> = { code, message };
    if (hint !== undefined) body.hint = hint;
    if (details !== undefined && Object.keys(details).length > 0) body.details = redact(details);
    io.stderr.write(`${toJson({ error: body }, 0)}\n`);
  } else {
    io.stderr.write(`vecdex: ${message}\n`);
    if (hint !== undefined) io.stderr.write(`hint: ${hint}\n`);
    if (!expected && !debug) io.stderr.write('(set VECDEX_DEBUG=1 to see the stack trace)\n');
  }
  if (debug) io.stderr.write(`${redactText(stackOf(err))}\n`);
  return exitCode;
}

function stackOf(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    parts.push(cur instanceof Error ? (cur.stack ?? cur.message) : String(cur));
    cur = cur instanceof Error ? cur.cause : undefined;
    if (cur !== undefined) parts.push('caused by:');
  }
  return parts.join('\n');
}
