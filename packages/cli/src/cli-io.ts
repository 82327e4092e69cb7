/** The streams and process facts the CLI touches, so tests can run it in-process. */
export interface CliStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  /** Read only to ask for confirmation on a terminal. */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** The real process streams, with any of them replaced. */
export function processIo(overrides: Partial<CliIo> = {}): CliIo {
  return {
    stdout: overrides.stdout ?? process.stdout,
    stderr: overrides.stderr ?? process.stderr,
    stdin: overrides.stdin ?? process.stdin,
    cwd: overrides.cwd ?? process.cwd(),
    env: overrides.env ?? process.env,
  };
}
