import type { PlannerHints } from '../contracts/planner-hints.js';
import { VecdexError } from '../errors/vecdex-error.js';

/** Each hint, and what it must be (a plain-JavaScript plugin may give anything). */
const RULES: Record<keyof PlannerHints, [ok: (v: number) => boolean, what: string]> = {
  exactSubsetMaxItems: [(v) => Number.isInteger(v) && v >= 0, 'a non-negative integer'],
  exactSubsetMaxScan: [(v) => v >= 0, 'a non-negative number'],
  oversampleMinSelectivity: [(v) => v > 0 && v <= 1, 'a fraction in (0, 1]'],
};

/**
 * Refuse an index plugin's `planner` hints that are not what {@link PlannerHints} says, when the
 * plugin is registered (naming the plugin and the member), rather than let a typo plan every
 * filtered query oddly. Unknown members are refused too: a misspelt hint would be ignored.
 */
export function checkPlannerHints(plugin: { name: string; planner?: unknown }): void {
  const hints = plugin.planner;
  if (hints === undefined) return;
  const bad = (member: string, what: string, value: unknown) =>
    new VecdexError(
      'PLUGIN_INVALID',
      `index plugin ${plugin.name}: planner${member === '' ? '' : `.${member}`} must be ${what}, got ${JSON.stringify(value) ?? String(value)}`,
      { details: { plugin: plugin.name, member: member === '' ? 'planner' : `planner.${member}` } },
    );
  if (typeof hints !== 'object' || hints === null || Array.isArray(hints)) throw bad('', 'an object', hints);
  for (const [member, value] of Object.entries(hints)) {
    const rule = RULES[member as keyof PlannerHints];
    if (rule === undefined) throw bad(member, `one of ${Object.keys(RULES).join(', ')} (unknown hint)`, value);
    if (value === undefined) continue;
    if (typeof value !== 'number' || Number.isNaN(value) || !rule[0](value)) throw bad(member, rule[1], value);
  }
}
