/** What the service does with a non-compliant resource (kept apart from the schema, which loads zod). */
export const MODES = ['remediate', 'quarantine', 'report'] as const;
export type Mode = (typeof MODES)[number];
