import { VecdexError, type JsonValue } from '@vecdex/core';

/**
 * This plugin takes no parameters. Anything given is refused, so a typo (or parameters meant for
 * another plugin) is reported instead of silently ignored.
 */
export function normalizeFlatParams(params: { [key: string]: JsonValue }): { [key: string]: JsonValue } {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new VecdexError('INVALID_ARGUMENT', 'bruteforce index params must be an object (it takes none: pass {})', {
      details: { name: 'params' },
    });
  }
  const names = Object.keys(params);
  if (names.length > 0) {
    throw new VecdexError(
      'INVALID_ARGUMENT',
      `unknown bruteforce index param ${JSON.stringify(names[0])}: this plugin takes no params; remove it`,
      { details: { name: names[0] } },
    );
  }
  return {};
}
