import type { CliStream } from '../cli-io.js';

/** JSON text for a value: typed arrays become plain arrays, bigints become numbers. */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
      if (typeof v === 'bigint') return Number(v);
      return v;
    },
    indent,
  );
}

/** Print one JSON document and a newline: with `--json`, the only thing a command writes to stdout. */
export function printJson(stream: CliStream, value: unknown): void {
  stream.write(`${toJson(value)}\n`);
}
