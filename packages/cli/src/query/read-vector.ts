import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CliError, UsageError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';

/**
 * The query vector of `--vector JSON`, `--vector -` (read from stdin) or `--vector-file F`: a
 * JSON array of numbers, or numbers separated by white space or commas (as `numpy.savetxt` and
 * most tools write them), so a 768-dimensional vector need not go on the command line.
 */
export async function readQueryVector(io: CliIo, flags: { vector?: string; vectorFile?: string }): Promise<number[]> {
  if (flags.vectorFile !== undefined) {
    const file = path.resolve(io.cwd, flags.vectorFile);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new CliError(
        'FILE_NOT_READABLE',
        `cannot read --vector-file ${flags.vectorFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    return parseVectorText(text, `--vector-file ${flags.vectorFile}`);
  }
  const value = flags.vector as string;
  if (value === '-') return parseVectorText(await readStdin(io), '--vector - (stdin)');
  return parseVectorText(value, '--vector');
}

/** Numbers from a JSON array or a list separated by white space or commas. */
export function parseVectorText(text: string, source: string): number[] {
  const trimmed = text.trim();
  const hint = 'write it as a JSON array like [0.1, 0.2, 0.3], or numbers separated by spaces or commas';
  if (trimmed === '') throw new UsageError(`${source} is empty`, hint);
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw new UsageError(`${source} is not valid JSON (${(err as Error).message})`, hint);
    }
    if (!Array.isArray(parsed)) throw new UsageError(`${source} must be an array of numbers`, hint);
    return parsed as number[];
  }
  const parts = trimmed.split(/[\s,]+/);
  const out = parts.map(Number);
  const bad = out.findIndex((x, i) => !Number.isFinite(x) || (parts[i] as string) === '');
  if (bad >= 0) throw new UsageError(`${source}: element ${bad} is "${(parts[bad] as string).slice(0, 20)}", not a number`, hint);
  return out;
}

async function readStdin(io: CliIo): Promise<string> {
  if (io.stdin.isTTY === true) {
    throw new UsageError(
      '--vector - reads the vector from stdin, which is a terminal here',
      'pipe it in: cat q.json | vecdex similar docs --vector -',
    );
  }
  const chunks: Buffer[] = [];
  for await (const c of io.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
