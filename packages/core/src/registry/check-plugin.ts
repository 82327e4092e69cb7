import { VecdexError } from '../errors/vecdex-error.js';

const KINDS = ['backend', 'index', 'provider'] as const;

/** The members each kind of plugin must have, and their types. */
const REQUIRED: Record<(typeof KINDS)[number], [member: string, type: 'function' | 'array'][]> = {
  backend: [['create', 'function']],
  index: [
    ['metrics', 'array'],
    ['normalizeParams', 'function'],
    ['open', 'function'],
  ],
  provider: [['create', 'function']],
};

/**
 * Check what `definePlugin` cannot check for plain-JavaScript authors: a known `kind`, a name,
 * and the members core calls, so a broken plugin fails when it is loaded, naming its package,
 * rather than later with a TypeError deep in core.
 */
export function checkPluginShape(plugin: { kind?: unknown; name?: unknown }, label: string): void {
  const kind = plugin.kind;
  if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind)) {
    throw new VecdexError(
      'PLUGIN_INVALID',
      `${label} declares plugin kind ${JSON.stringify(kind) ?? 'undefined'}; it must be one of: ${KINDS.join(', ')}`,
      { details: { plugin: label, kind } },
    );
  }
  if (typeof plugin.name !== 'string' || plugin.name.length === 0) {
    throw new VecdexError('PLUGIN_INVALID', `${label} has no name; give definePlugin() a non-empty "name"`, {
      details: { plugin: label },
    });
  }
  const declared = (plugin as { options?: unknown }).options;
  if (declared !== undefined && !(Array.isArray(declared) && declared.every((k) => typeof k === 'string'))) {
    throw new VecdexError(
      'PLUGIN_INVALID',
      `${label} is not a valid ${kind} plugin: "options" must be an array of option names`,
      {
        details: { plugin: label, member: 'options' },
      },
    );
  }
  for (const [member, type] of REQUIRED[kind as (typeof KINDS)[number]]) {
    const value = (plugin as Record<string, unknown>)[member];
    const ok = type === 'array' ? Array.isArray(value) : typeof value === 'function';
    if (!ok) {
      throw new VecdexError(
        'PLUGIN_INVALID',
        `${label} is not a valid ${kind} plugin: "${member}" must be ${type === 'array' ? 'an array' : 'a function'}`,
        { details: { plugin: label, member } },
      );
    }
  }
}

/** A hint for a default export that is not a plugin, for the common mistakes. */
export function notAPluginHint(mod: unknown): string {
  if (typeof mod !== 'object' || mod === null || !('default' in mod)) return ' (the module has no default export)';
  if (typeof mod.default === 'function') {
    return ' (it is a function: export the plugin itself, `export default definePlugin({ ... })`, not a factory)';
  }
  return '';
}
