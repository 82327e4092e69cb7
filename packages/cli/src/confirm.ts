import { createInterface } from 'node:readline/promises';
import type { CliIo } from './cli-io.js';
import { UsageError } from './cli-error.js';

/**
 * Ask a yes/no question before something destructive. `--yes` skips it; without a terminal on
 * stdin (scripts, CI) there is nobody to ask, so it refuses rather than guess (exit status 2).
 * Anything but y/yes is no.
 */
export async function confirm(io: CliIo, question: string, options: { yes: boolean; flag?: string }): Promise<boolean> {
  if (options.yes) return true;
  const flag = options.flag ?? '--yes';
  if (io.stdin.isTTY !== true) {
    throw new UsageError(
      `refusing to ${question.replace(/\?$/, '')} without confirmation: stdin is not a terminal`,
      `pass ${flag} to confirm`,
    );
  }
  const rl = createInterface({ input: io.stdin, output: io.stderr as NodeJS.WritableStream });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
