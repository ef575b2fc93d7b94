import { partition } from '@aws-sdk/core/client';

/**
 * A region the SDK's own partition data lists (aws, aws-cn, aws-us-gov, aws-iso*, aws-eusc). `partition()` falls
 * back to a partition's outputs for any name its regex matches (`us-east-9`); only a listed region carries a
 * `description`, so that is the test. A region newer than the pinned SDK is refused until the SDK is updated.
 */
export const isKnownRegion = (region: string): boolean => typeof (partition(region) as { description?: unknown }).description === 'string';

/** Role ARN (any partition, path allowed) or bare role name, per IAM's naming rules (64 chars, [\w+=,.@-]). */
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
export const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
export const isRoleRef = (s: string): boolean => ROLE_ARN.test(s) || ROLE_NAME.test(s);
