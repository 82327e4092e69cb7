import { describe, expect, it } from 'vitest';
import { expectVecdexError } from '../assertions.js';
import type { IndexSuiteContext } from './index-context.js';

/** The spec's identity and `normalizeParams`. */
export function paramsTests(ctx: IndexSuiteContext): void {
  describe('plugin spec and params', () => {
    it('is an index plugin with a name', () => {
      expect(ctx.plugin.kind).toBe('index');
      expect(typeof ctx.plugin.name === 'string' && ctx.plugin.name.length > 0).toBe(true);
    });

    it('normalizeParams fills defaults into a JSON object, and is idempotent', () => {
      const once = ctx.plugin.normalizeParams(ctx.options.params ?? {});
      expect(JSON.parse(JSON.stringify(once))).toEqual(once);
      // Core stores the normalised params and plugins may normalise them again at open.
      expect(ctx.plugin.normalizeParams(structuredClone(once))).toEqual(once);
      expect(ctx.plugin.normalizeParams({})).toEqual(ctx.plugin.normalizeParams({}));
    });

    const bad = ctx.options.invalidParams ?? [{ params: { notAParameter: 1 }, name: 'notAParameter' }];
    for (const { params, name } of bad) {
      it(`normalizeParams refuses ${JSON.stringify(params)} with INVALID_ARGUMENT naming ${name}`, async () => {
        const err = await expectVecdexError(() => ctx.plugin.normalizeParams(params), 'INVALID_ARGUMENT');
        expect(err.message).toContain(name);
      });
    }
  });
}
