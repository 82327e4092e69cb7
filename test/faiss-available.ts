import { importFaiss } from '@vecdex/sidecar-faiss';

/**
 * Why faiss-node does not load here, or null when it does. faiss-node is a native addon built by
 * scripts/setup-faiss.sh; in CI (`VECDEX_REQUIRE_FAISS=1`, exported by scripts/test-all.sh) a
 * missing binding fails the suite instead of skipping its FAISS cases.
 */
export const faissProblem: string | null = await importFaiss().then(
  () => null,
  (e: unknown) => `faiss-node does not load (${(e as Error).message.split('\n')[0]}); run bash scripts/setup-faiss.sh`,
);

if (faissProblem !== null && process.env.VECDEX_REQUIRE_FAISS === '1') {
  throw new Error(`VECDEX_REQUIRE_FAISS=1 but ${faissProblem}`);
}
