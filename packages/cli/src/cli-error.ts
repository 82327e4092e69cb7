/**
 * A failure the CLI itself detects (a file that exists, an item that is not there). Errors from
 * the store are `VecdexError`s from core; both exit with status 1 and print `vecdex: <message>`.
 */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: { exitCode?: number; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.code = code;
    this.exitCode = options.exitCode ?? 1;
    this.hint = options.hint;
  }
}

/** The command was called wrongly (missing or malformed option): exit status 2, like commander's own. */
export class UsageError extends CliError {
  constructor(message: string, hint?: string) {
    super('USAGE', message, { exitCode: 2, hint });
    this.name = 'UsageError';
  }
}

/**
 * End the command with `exitCode` and print nothing more: the command already reported why
 * (`vecdex doctor` printed its report and exits 1 when a check failed).
 */
export class ExitStatus extends Error {
  readonly exitCode: number;

  constructor(exitCode: number) {
    super(`exit status ${exitCode}`);
    this.name = 'ExitStatus';
    this.exitCode = exitCode;
  }
}
