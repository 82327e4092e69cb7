import type { SearchPlan } from '@vecdex/core';
import type { CliContext } from '../cli-context.js';
import { filterHints } from './filter-hints.js';
import { formatFields, plural } from './format-table.js';

/** The plan as `--explain` prints it. */
export function formatPlan(plan: SearchPlan): string {
  return formatFields([
    ['strategy', plan.strategy],
    ['index', plan.index ?? '-'],
    ...(plan.collections !== undefined ? [['collections', plan.collections.join(', ')] as const] : []),
    ...(plan.embedding !== undefined ? [['query text', describeEmbedding(plan.embedding)] as const] : []),
    ['reason', plan.reason],
    ...(plan.matching !== undefined ? [['matching', `${plan.matching} items match the filter`] as const] : []),
    ['pending', describePending(plan)],
  ]);
}

/** `pending` for `--explain`: what the index had not applied, or what it synced just before answering. */
function describePending(plan: SearchPlan): string {
  if (plan.pending > 0) return `${plan.pending} (changes the index had not applied yet)`;
  const synced = plan.synced ?? 0;
  if (synced > 0) return `0 (synced ${plural(synced, 'change')} into the index before answering)`;
  return '0';
}

/** How the query text became a vector, for `--explain`. */
function describeEmbedding(e: NonNullable<SearchPlan['embedding']>): string {
  const from = { memory: 'query cache (memory)', store: "the store's embedding cache", provider: 'the provider, just now' }[
    e.source
  ];
  return `embedded with model ${e.model}, from ${from}`;
}

/**
 * Print search results the way `similar` and `search` share: a note when the index was behind,
 * "no results" on a terminal, and with `--explain` the plan after the table (or beside the
 * hits in JSON). `table` renders the command's own columns.
 */
export function printHits<V>(
  ctx: CliContext,
  plan: SearchPlan,
  views: V[],
  explain: boolean,
  table: (views: V[]) => string,
  filter?: unknown,
): void {
  if (!explain && plan.pending > 0) {
    ctx.out.note(`vecdex: index "${plan.index}" was ${plan.pending} change(s) behind; recent writes may be missing`);
  }
  if (!ctx.globals.json && views.length === 0) {
    ctx.out.note('no results');
    for (const hint of filterHints(filter)) ctx.out.note(`hint: ${hint}`);
    if (explain) ctx.out.data(null, () => formatPlan(plan));
    return;
  }
  ctx.out.data(explain ? { plan, hits: views } : views, () => {
    const text = table(views);
    return explain ? `${text}\n\n${formatPlan(plan)}` : text;
  });
}
