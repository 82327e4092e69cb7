import { VecdexError } from '../errors/vecdex-error.js';

/**
 * Refuse option keys a plugin does not declare (a typo such as `pth` for `path` would otherwise
 * be ignored silently). A plugin without an `options` list accepts any key.
 *
 * @param where where the options come from in the config, e.g. `backend.options`
 */
export function checkPluginOptions(
  plugin: { name: string; options?: readonly string[] },
  options: { [key: string]: unknown } | undefined,
  where: string,
): void {
  const known = plugin.options;
  if (known === undefined || options === undefined) return;
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const close = closestKey(key, known);
    const hint = close === undefined ? '' : `; did you mean "${close}"?`;
    throw new VecdexError(
      'CONFIG_INVALID',
      `${where} has an unknown option "${key}" for plugin "${plugin.name}" (known: ${known.join(', ') || 'none'})${hint}`,
      { details: { key: `${where}.${key}`, plugin: plugin.name, ...(close === undefined ? {} : { suggestion: close }) } },
    );
  }
}

/** The known key nearest to `key` by edit distance (case-insensitive), if near enough. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
