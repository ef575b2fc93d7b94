import type { KeyInfo } from '../../kms/key-resolver';
import type { AnyRule, RuleContext } from '../contract';
import type { KeyUsage } from './evaluate';

/** Resources described per type at most: a CMK alert must go out in seconds, not after a sweep. */
export const USAGE_CAP_PER_TYPE = 50;
const CONCURRENCY = 4;

/**
 * Count the region's resources whose own rule says they use `key`: each rule's list and
 * describe, then its evaluate with `key` as the CMK; a finding whose observed key is `key`
 * is a user. Only rules that resolve keys (they declare kms:DescribeKey) are asked; the
 * count is bounded per type and says so when it is a lower bound.
 */
export const countKeyUsers = async (
  key: KeyInfo,
  region: string,
  rules: readonly AnyRule[],
  ctx: RuleContext,
): Promise<KeyUsage> => {
  const asked = rules.filter((r) => r.permissions.read.includes('kms:DescribeKey'));
  const scoped: RuleContext = { ...ctx, scope: { ...ctx.scope, region } };
  const byType: Record<string, number> = {};
  const short: string[] = [];
  let count = 0;
  for (const rule of asked) {
    const ids: string[] = [];
    try {
      for await (const id of rule.list(scoped)) {
        if (ids.length >= USAGE_CAP_PER_TYPE) {
          short.push(`${rule.type} capped`);
          break;
        }
        ids.push(id);
      }
    } catch {
      short.push(`${rule.type} not listable`);
    }
    let n = 0;
    let unreadable = 0;
    for (let i = 0; i < ids.length; i += CONCURRENCY) {
      await Promise.all(
        ids.slice(i, i + CONCURRENCY).map(async (id) => {
          try {
            const state = await rule.describe(
              { type: rule.type, account: ctx.scope.account ?? '', region, id },
              scoped,
            );
            if (state === undefined) return;
            const f = rule.evaluate(state, { region, cmk: key, policy: ctx.policy });
            if (f.observedKey === key.arn || f.observedKey === key.keyId) n++;
          } catch {
            unreadable++;
          }
        }),
      );
    }
    if (unreadable) short.push(`${unreadable} ${rule.type} unreadable`);
    byType[rule.type] = n;
    count += n;
  }
  const method = `counted from ${asked.map((r) => r.type).join(', ') || 'no'} rule(s), up to ${USAGE_CAP_PER_TYPE} per type${short.length ? ` (${short.join(', ')})` : ''}`;
  return { count, byType, method, incomplete: short.length > 0 };
};
