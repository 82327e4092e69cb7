import { InvalidArgumentError } from 'commander';
import { type JsonValue, METRICS, type Metric, isMetric } from '@vecdex/core';
import { UsageError } from './cli-error.js';

/** Commander argument parser for a positive integer option (`--dimensions`, `-k`, `--batch-size`). */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError('expected a positive integer.');
  return n;
}

/** Commander argument parser for `--metric`. */
export function metric(value: string): Metric {
  if (!isMetric(value)) throw new InvalidArgumentError(`expected one of ${METRICS.join(', ')}.`);
  return value;
}

/** Commander argument parser for a comma-separated list. */
export function commaList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Parse a JSON option value; a usage error (exit 2) naming the option when it is not JSON. */
export function jsonOption(option: string, text: string, example: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${option} is not valid JSON (${(err as Error).message})`, `write it like ${option} '${example}'`);
  }
}

/**
 * Commander collector for a repeatable `--param key=value`: the value is parsed as JSON when it
 * parses (`32` → 32, `true`, `[1,2]`, `"x"`), else kept as the string. A repeated key: last wins.
 */
export function keyValueParam(text: string, previous: Record<string, JsonValue> | undefined): Record<string, JsonValue> {
  const eq = text.indexOf('=');
  const key = eq < 0 ? '' : text.slice(0, eq).trim();
  if (key === '') throw new InvalidArgumentError('expected key=value, e.g. --param efSearch=100.');
  const raw = text.slice(eq + 1);
  let value: JsonValue;
  try {
    value = JSON.parse(raw) as JsonValue;
  } catch {
    value = raw;
  }
  return { ...previous, [key]: value };
}
