import { describe } from 'vitest';
import { importFaiss } from '../src/load-faiss.js';

/**
 * Whether faiss-node loads here. In CI (`VECDEX_REQUIRE_FAISS=1`, exported by
 * scripts/test-all.sh once scripts/setup-faiss.sh succeeded) a missing binding fails the suite;
 * elsewhere the FAISS tests are skipped with one message saying how to enable them.
 */
export const faissProblem: string | null = await importFaiss().then(
  () => null,
  (e: unknown) => (e as Error).message,
);

if (faissProblem !== null) {
  if (process.env.VECDEX_REQUIRE_FAISS === '1') {
    throw new Error(`VECDEX_REQUIRE_FAISS=1 but faiss-node does not load: ${faissProblem}`);
  }
  if (!(globalThis as { __vecdexFaissWarned?: boolean }).__vecdexFaissWarned) {
    (globalThis as { __vecdexFaissWarned?: boolean }).__vecdexFaissWarned = true;
    console.warn('[sidecar-faiss] skipping FAISS tests: faiss-node does not load; run `bash scripts/setup-faiss.sh`');
  }
}

/** `describe`, or `describe.skip` with the reason in its name when faiss-node does not load. */
export const describeFaiss: typeof describe =
  faissProblem === null
    ? describe
    : (((name: string, fn: () => void) =>
        describe.skip(`${name} (skipped: faiss-node does not load; run bash scripts/setup-faiss.sh)`, fn)) as typeof describe);
