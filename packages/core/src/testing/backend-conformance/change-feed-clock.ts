import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from '../context.js';
import { ManualClock, describeChange, readAll } from '../feed.js';
import { FeedFixture } from './change-feed.js';

const T0 = 1_800_000_000_000;
const HOUR = 3_600_000;

/**
 * The feed is driven by a monotonic cursor, not by timestamps: writes in the same millisecond
 * and writes under a clock that stepped back are all seen by a reader holding a cursor (see
 * PITFALLS "Change tracking").
 */
export function changeFeedClockTests(ctx: ConformanceContext): void {
  const why = ctx.clockSkipped ? ' (skipped: backend declares no injectable clock in options.skip.clock)' : '';
  describe.skipIf(ctx.clockSkipped)(`change feed under a misbehaving clock${why}`, () => {
    it('a reader holding a cursor sees writes in the same millisecond and after the clock steps back', async () => {
      const clock = new ManualClock(T0);
      const f = await FeedFixture.create(ctx, 501, await ctx.fresh({ clock: clock.read }));
      await f.upsert('a', 'x1');
      const reader = await readAll(f.b, ['a'], null);
      expect(reader.changes.map(describeChange)).toEqual(['upsert a/x1']);
      expect(reader.changes[0]?.modified, 'modified comes from the clock').toBe(T0);
      const seenUpTo = f.model.position;

      await f.upsert('a', 'x2'); // same millisecond as x1
      await f.upsert('a', 'x3'); // and again
      clock.now = T0 - HOUR; // the clock steps back an hour
      await f.upsert('a', 'x4');
      await f.delete('a', 'x1');
      await f.upsert('a', 'x3');
      clock.now = T0 + 5;
      await f.upsert('a', 'x5');

      const next = await readAll(f.b, ['a'], reader.cursor, 2);
      expect(next.changes.map(describeChange)).toEqual([
        'upsert a/x2',
        'upsert a/x4',
        'delete a/x1',
        'upsert a/x3',
        'upsert a/x5',
      ]);
      f.model.expectChanges(next.changes, ['a'], seenUpTo);
      const modified = next.changes.map((c) => c.modified);
      const [x2, x4, x1, x3, x5] = modified as [number, number, number, number, number];
      expect(x2, 'a write at an unchanged clock reads the clock').toBe(T0);
      expect(x5).toBe(T0 + 5);
      if (ctx.monotonicModified) {
        for (let i = 1; i < modified.length; i++) {
          expect(modified[i], `modified never decreases along the feed (${modified.join(', ')})`).toBeGreaterThanOrEqual(
            modified[i - 1] as number,
          );
        }
      } else {
        expect([x4, x1, x3], 'modified is the clock reading at the write').toEqual([T0 - HOUR, T0 - HOUR, T0 - HOUR]);
      }
      const stored = await f.b.get('a', ['x3', 'x5']);
      expect(
        stored.map((s) => s.modified),
        'get reports the same modified as the feed',
      ).toEqual([x3, x5]);
      f.model.expectChanges((await readAll(f.b, ['a'], null, 3)).changes, ['a']);
    });
  });
}
