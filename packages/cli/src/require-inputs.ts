import { UsageError } from './cli-error.js';

/**
 * Refuse a command whose required inputs are missing, naming every one of them at once (commander
 * reports only the first missing option, and checks options before arguments).
 *
 * @example requireInputs('collections create', [['<name>', name], ['--dimensions <n>', opts.dimensions]])
 */
export function requireInputs(command: string, inputs: readonly (readonly [string, unknown])[], example: string): void {
  const missing = inputs.filter(([, value]) => value === undefined).map(([label]) => label);
  if (missing.length === 0) return;
  throw new UsageError(`${command} needs ${missing.join(' and ')}`, `for example: ${example}`);
}
