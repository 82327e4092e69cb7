import { type CliIo, processIo } from './cli-io.js';
import { buildProgram } from './program.js';
import { reportError } from './report-error.js';

/**
 * Run the CLI on a full argv (`['node', 'vecdex', ...args]`, as in `process.argv`) and resolve to
 * the exit status: 0 ok, 1 error, 2 usage error. Never calls `process.exit`, so it can run inside
 * tests with replaced streams.
 *
 * ```ts
 * const code = await runCli(['node', 'vecdex', 'collections', 'list', '--json'], { cwd: dir })
 * ```
 */
export async function runCli(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const full = processIo(io);
  const args = argv.slice(2);
  const dashDash = args.indexOf('--');
  const json = (dashDash < 0 ? args : args.slice(0, dashDash)).includes('--json');
  const program = buildProgram(full, { jsonErrors: json });
  try {
    await program.parseAsync([...argv], { from: 'node' });
    return 0;
  } catch (err) {
    return reportError(err, full, { json });
  }
}
