/**
 * How hard the long property and fault tests push. CI runs a budget that keeps every assertion (each case class,
 * each fault kind, the same invariants) on fewer generated cases; `CMK_SENTINEL_TEST_DEPTH=deep npm test` runs the
 * full counts before a release or after touching the pipeline, retries or the normaliser.
 */
export const DEEP = process.env.CMK_SENTINEL_TEST_DEPTH === 'deep';

/** `ci` cases in a normal run, `deep` with CMK_SENTINEL_TEST_DEPTH=deep. */
export const budget = (ci: number, deep: number): number => (DEEP ? deep : ci);
