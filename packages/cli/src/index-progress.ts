import type { ProgressEvent } from '@vecdex/core';
import type { CliContext } from './cli-context.js';
import { Progress } from './progress.js';

/**
 * A progress display for an index build or sync, fed by core's `onProgress` events. A sync may
 * turn into a build (too many changes, compaction), so each phase gets its own bar, labelled
 * `building <name>` or `syncing <name>`. Draws only on a terminal, and never with --json/--quiet.
 */
export function indexProgress(
  ctx: CliContext,
  name: string,
  now?: () => number,
): { onProgress: (e: ProgressEvent) => void; finish: () => void } {
  const enabled = !ctx.globals.json && !ctx.globals.quiet;
  let bar: Progress | null = null;
  let phase: ProgressEvent['phase'] | null = null;
  return {
    onProgress(e) {
      if (bar === null || e.phase !== phase) {
        bar?.finish();
        phase = e.phase;
        bar = new Progress({
          stream: ctx.io.stderr,
          enabled,
          label: `${e.phase === 'build' ? 'building' : 'syncing'} ${name}`,
          total: e.total,
          unit: e.phase === 'build' ? 'items' : 'changes',
          ...(now ? { now } : {}),
        });
      }
      bar.update(e.done);
    },
    finish() {
      bar?.finish();
      bar = null;
    },
  };
}
