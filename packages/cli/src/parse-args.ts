import { InvalidArgumentError } from 'commander';
import { METRICS, type Metric, isMetric } from '@vecdex/core';
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
