import type { JsonValue, Metadata } from '@vecdex/core';

/**
 * A LangChain document's metadata as vecdex stores it: JSON, converted as `JSON.stringify`
 * would — keys whose value is `undefined` dropped (in arrays: `null`), objects with `toJSON`
 * (a `Date`) replaced by what it returns — so documents from loaders store as other LangChain
 * stores keep them. Anything JSON cannot hold (NaN, a bigint, a function) is left for vecdex's
 * validation to refuse (`INVALID_ITEM`, naming the key), before anything is written.
 */
export function documentMetadata(metadata: Record<string, unknown> | undefined | null): Metadata {
  if (metadata === undefined || metadata === null) return {};
  return toJson(metadata) as Metadata;
}

function toJson(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const withToJson = value as { toJSON?: unknown };
  if (typeof withToJson.toJSON === 'function') return toJson((withToJson.toJSON as () => unknown).call(value));
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : toJson(v)));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJson(v);
  return out as { [key: string]: JsonValue };
}
