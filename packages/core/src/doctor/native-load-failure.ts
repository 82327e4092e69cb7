import path from 'node:path';

/** A native add-on or module that would not load, in words an operator can act on. */
export interface LoadFailure {
  kind: 'abi-mismatch' | 'missing' | 'other';
  message: string;
  remedy: string;
}

const ABI_NODE: { [abi: number]: string } = {
  83: '14',
  88: '15',
  93: '16',
  102: '17',
  108: '18',
  111: '19',
  115: '20',
  120: '21',
  127: '22',
  131: '23',
  137: '24',
};

/**
 * Read a load error (and its causes): a `NODE_MODULE_VERSION` mismatch is named as such with the
 * Node versions on both sides and the rebuild command for the package that owns the `.node`
 * file; a module that is not installed says what to install; anything else keeps its first line.
 *
 * ```ts
 * describeLoadFailure(err, 'hnswlib-node').remedy   // 'rebuild it for this Node: npm rebuild hnswlib-node (pnpm rebuild hnswlib-node)'
 * ```
 */
export function describeLoadFailure(err: unknown, fallbackPackage: string): LoadFailure {
  const messages = causeChain(err).map((e) => (e instanceof Error ? e.message : String(e)));
  const all = messages.join('\n');
  const abi =
    /compiled against a different Node\.js version using\s+NODE_MODULE_VERSION (\d+)\.\s+This version of Node\.js requires\s+NODE_MODULE_VERSION (\d+)/.exec(
      all,
    );
  if (abi !== null) {
    const built = Number(abi[1]);
    const needed = Number(abi[2]);
    const file = /The module '([^']+)'/.exec(all)?.[1] ?? null;
    const pkg = (file === null ? null : owningPackage(file)) ?? fallbackPackage;
    return {
      kind: 'abi-mismatch',
      message: `NODE_MODULE_VERSION mismatch: ${file === null ? pkg : `${file} (package ${pkg})`} was built for NODE_MODULE_VERSION ${built}${nodeOf(built)}, this Node ${process.version} needs ${needed}${nodeOf(needed)}`,
      remedy: `rebuild it for this Node: npm rebuild ${pkg} (pnpm: pnpm rebuild ${pkg}); a Node upgrade needs this for every native add-on`,
    };
  }
  const missing = /Cannot find (?:module|package) '([^']+)'/.exec(all);
  if (missing !== null) {
    const name = packageOf(missing[1] as string);
    return {
      kind: 'missing',
      message: `${name} is not installed (${firstLine(messages[0] ?? '')})`,
      remedy: `install it in your project: npm install ${name}`,
    };
  }
  return {
    kind: 'other',
    message: firstLine(messages[0] ?? String(err)),
    remedy: `reinstall ${fallbackPackage}; run with VECDEX_DEBUG=1 for the full error`,
  };
}

function causeChain(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e: unknown = err; e !== undefined && e !== null && out.length < 8; e = (e as { cause?: unknown }).cause) {
    out.push(e);
    if (typeof e !== 'object') break;
  }
  return out;
}

/** `/x/node_modules/.pnpm/a@1/node_modules/@s/b/build/Release/b.node` → `@s/b`. */
function owningPackage(file: string): string | null {
  const parts = file.split(path.sep);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length) return null;
  const first = parts[at + 1] as string;
  return first.startsWith('@') && at + 2 < parts.length ? `${first}/${parts[at + 2]}` : first;
}

function packageOf(specifier: string): string {
  if (specifier.startsWith('.') || path.isAbsolute(specifier)) return specifier;
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

function nodeOf(abi: number): string {
  const v = ABI_NODE[abi];
  return v === undefined ? '' : ` (Node ${v})`;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

/**
 * A doctor check that a native add-on loads: runs `load` (import the binding and touch it, so
 * the `.node` file is really opened) and reports a failure with `describeLoadFailure`.
 *
 * ```ts
 * async diagnose() { return [await checkAddon({ package: 'hnswlib-node', version: '3.0.0', load: () => loadHnswlib() })] }
 * ```
 */
export async function checkAddon(addon: { package: string; version?: string; load: () => Promise<unknown> }): Promise<{
  name: string;
  status: 'ok' | 'fail';
  message: string;
  remedy?: string;
  details?: { [key: string]: string };
}> {
  const name = `addon.${addon.package}`;
  try {
    await addon.load();
    return { name, status: 'ok', message: `${addon.package}${addon.version === undefined ? '' : ` ${addon.version}`} loads` };
  } catch (err) {
    const f = describeLoadFailure(err, addon.package);
    return { name, status: 'fail', message: f.message, remedy: f.remedy, details: { kind: f.kind } };
  }
}
