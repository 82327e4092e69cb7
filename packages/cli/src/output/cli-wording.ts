/**
 * Core's messages serve API users and CLI users alike ("create it first with collections.create()
 * or `vecdex collections create`", "search with stale: 'sync'"). On the command line the API half
 * is noise or misleading, so the CLI rewrites those phrases into its own flags and commands.
 */
const REWRITES: readonly (readonly [RegExp, string])[] = [
  [/collections\.create\(\) or `vecdex collections create`/g, '`vecdex collections create`'],
  [/\bstale: '(sync|error|allow)'/g, '--stale $1'],
];

/** The message with API wording replaced by the CLI's. */
export function cliWording(message: string): string {
  let out = message;
  for (const [pattern, replacement] of REWRITES) out = out.replace(pattern, replacement);
  return out;
}
