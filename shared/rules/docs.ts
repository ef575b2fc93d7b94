import type { RuleDoc } from './contract';
import { RULES } from './registry';
import type { ResourceType } from './type-ids';

export type { GateName, RuleDoc } from './contract';

/** Every type's words, from its meta.ts (`doc`): a new type without them fails the type check. */
export const RULE_DOCS: Readonly<Record<ResourceType, RuleDoc>> = Object.fromEntries(
  RULES.map((r) => [r.type, r.doc]),
) as Record<ResourceType, RuleDoc>;
