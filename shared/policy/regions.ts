/**
 * A region the SDK's own partition data lists (aws, aws-cn, aws-us-gov, aws-iso*, aws-eusc). `partition()` falls
 * back to a partition's outputs for any name its regex matches (`us-east-9`); only a listed region carries a
 * `description`, so that is the test. A region newer than the pinned SDK is refused until the SDK is updated.
 */
// Loaded on first check, not at import: a function's init phase loads no SDK module (the package test holds it to
// that).
let loaded: typeof import('@aws-sdk/core/client') | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const partitions = () => (loaded ??= require('@aws-sdk/core/client') as typeof import('@aws-sdk/core/client'));

/** The shape of a region name (any partition): the fallback where the SDK in use has no partition data to ask. */
export const REGION_NAME = /^[a-z]{2,4}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;

/**
 * In a Lambda bundle `@aws-sdk/*` comes from the runtime, whose SDK may predate `partition` in `@aws-sdk/core`:
 * there the name's shape is checked instead (the CLI, which decides what a sweep covers, runs the pinned SDK).
 */
export const isKnownRegion = (region: string): boolean => {
  let lookup: ((r: string) => { description?: unknown }) | undefined;
  try {
    lookup = partitions().partition as typeof lookup;
  } catch {
    lookup = undefined;
  }
  return typeof lookup === 'function' ? typeof lookup(region).description === 'string' : REGION_NAME.test(region);
};

/** Role ARN (any partition, path allowed) or bare role name, per IAM's naming rules (64 chars, [\w+=,.@-]). */
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
export const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
export const isRoleRef = (s: string): boolean => ROLE_ARN.test(s) || ROLE_NAME.test(s);
