import type { KeyInfo } from '../../kms/key-resolver';
import type { EvaluationContext, Finding } from '../contract';

/** How many resources of the region use the key, as far as the bounded count could see. */
export interface KeyUsage {
  count: number;
  byType: Record<string, number>;
  /** How the count was made (which types, the cap), said in the alert so nobody over-trusts it. */
  method: string;
  /** Types whose listing hit the cap or failed: the count is a lower bound. */
  incomplete: boolean;
}

export interface KeyDetails {
  arn: string;
  keyId: string;
  state: string;
  deletionDate?: string;
  rotation?: boolean;
  /** GetKeyRotationStatus RotationPeriodInDays (90–2560); EnableKeyRotation without it resets it to 365. */
  rotationPeriodInDays?: number;
  /** DescribeKey: AWS_KMS | EXTERNAL | AWS_CLOUDHSM | EXTERNAL_KEY_STORE. */
  origin?: string;
  /** DescribeKey: SYMMETRIC_DEFAULT, RSA_*, ECC_*, HMAC_*, ML_DSA_*, SM2. */
  keySpec?: string;
  customKeyStoreId?: string;
  /** A multi-Region replica: rotation is the primary's, set on the primary in its region. */
  replicaOf?: { arn: string; region: string };
  /** The key policy as KMS returns it (a JSON string). */
  policy?: string;
}

export type KmsKeyState =
  | {
      kind: 'key';
      ref: string;
      region: string;
      /** The policy's CMK for the key's region; undefined when the policy covers no CMK there. */
      cmkArn?: string;
      key: KeyDetails;
      usage?: KeyUsage;
    }
  | {
      kind: 'alias';
      alias: string;
      region: string;
      /** The alias the policy names the CMK by. */
      policyAlias?: string;
      /** Where the alias points now (fresh read); undefined when it is gone. */
      target?: KeyInfo;
      /** cmk.keys[region] when the policy pins the key ARN. */
      pinned?: string;
      /** What this instance resolved the alias to before (warm cache). */
      previous?: string;
    };

const PENDING = new Set(['PendingDeletion', 'PendingReplicaDeletion']);

type Statement = Record<string, unknown>;

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** An IAM action pattern (`kms:*`, `kms:GenerateDataKey*`, `*`) covering `action`. */
const covers = (pattern: string, action: string): boolean => {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );
  return re.test(action);
};

const principalsOf = (s: Statement): string[] => {
  const p = s.Principal;
  if (p === '*') return ['*'];
  if (typeof p === 'object' && p !== null)
    return asList((p as Record<string, unknown>).AWS).filter((x): x is string => typeof x === 'string');
  return [];
};

/** A policy entry (role ARN or bare role name) matches a principal the key policy names. */
const matches = (user: string, principal: string): boolean => {
  if (principal === '*' || principal === user) return true;
  if (user.startsWith('arn:')) return false;
  return principal.endsWith(`:role/${user}`) || principal.endsWith(`/${user}`);
};

const USE_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'];

/**
 * Pure: which of `users` the key policy does not allow to use the key (Decrypt and
 * GenerateDataKey, through any mix of Allow statements). Throws on a policy that is not
 * a JSON policy document: the caller reports it as unreadable.
 */
export const missingKeyUsers = (policy: string, users: readonly string[]): string[] => {
  const doc = JSON.parse(policy) as unknown;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('not a policy document');
  const statements = asList((doc as Record<string, unknown>).Statement).filter(
    (s): s is Statement => typeof s === 'object' && s !== null,
  );
  const allows = statements.filter((s) => s.Effect === 'Allow' && s.Condition === undefined);
  return users.filter((user) => {
    const actions = allows
      .filter((s) => principalsOf(s).some((p) => matches(user, p)))
      .flatMap((s) => asList(s.Action).filter((a): a is string => typeof a === 'string'));
    return !USE_ACTIONS.every((needed) => actions.some((a) => covers(a, needed)));
  });
};

const usageText = (u: KeyUsage | undefined): string => {
  if (!u) return '';
  const parts = Object.entries(u.byType)
    .filter(([, n]) => n > 0)
    .map(([t, n]) => `${t}: ${n}`);
  return ` ${u.incomplete ? 'At least ' : ''}${u.count} resource(s) in the region use it${parts.length ? ` (${parts.join(', ')})` : ''}; ${u.method}.`;
};

/**
 * Why KMS refuses automatic rotation of this key, if it does: "Automatic key rotation is supported only on symmetric
 * encryption KMS keys. You cannot enable automatic rotation of asymmetric KMS keys, HMAC KMS keys, KMS keys with
 * imported key material, or KMS keys in a custom key store" (KMS API reference, EnableKeyRotation).
 */
export const rotationRefusal = (k: Pick<KeyDetails, 'keySpec' | 'origin' | 'customKeyStoreId'>): string | undefined => {
  if (k.keySpec && k.keySpec !== 'SYMMETRIC_DEFAULT') {
    return `it is a ${k.keySpec.startsWith('HMAC') ? 'HMAC' : 'asymmetric'} key (${k.keySpec}): KMS rotates only symmetric encryption keys; rotate by creating a new key and repointing the alias`;
  }
  if (k.origin === 'EXTERNAL')
    return 'its key material is imported (Origin EXTERNAL): KMS cannot rotate it automatically; rotate by importing new material into a new key (or on demand) and repointing the alias';
  if (k.customKeyStoreId || k.origin === 'AWS_CLOUDHSM' || k.origin === 'EXTERNAL_KEY_STORE') {
    return `it lives in a custom key store${k.customKeyStoreId ? ` (${k.customKeyStoreId})` : ''}: KMS cannot rotate it automatically; rotate it in the key store or with a new key`;
  }
  return undefined;
};

const evaluateKey = (s: Extract<KmsKeyState, { kind: 'key' }>, ctx: EvaluationContext): Finding => {
  const k = s.key;
  const base = { observedKey: k.arn, expectedKey: s.cmkArn };
  if (!s.cmkArn || k.arn !== s.cmkArn) {
    return {
      status: 'NOT_APPLICABLE',
      reason: 'NOT_THE_CMK',
      detail: `Key ${k.arn} is not a regional CMK of the policy`,
      ...base,
    };
  }
  const critical = (reason: string, detail: string): Finding => ({
    status: 'NON_COMPLIANT',
    reason,
    severity: 'CRITICAL',
    detail: `CMK ${k.arn} ${detail}.${usageText(s.usage)}`,
    ...base,
  });
  if (PENDING.has(k.state)) {
    return critical(
      'PENDING_DELETION',
      `is scheduled for deletion${k.deletionDate ? ` on ${k.deletionDate}` : ''} (${k.state}): everything encrypted under it becomes unreadable then`,
    );
  }
  if (k.state === 'Disabled')
    return critical('KEY_DISABLED', 'is disabled: nothing encrypted under it can be read or written');
  if (k.state !== 'Enabled') return critical('KEY_UNUSABLE', `is in state ${k.state}`);

  const problems: { reason: string; text: string }[] = [];
  const refusal = rotationRefusal(k);
  const wantedPeriod = ctx.policy.doc.cmk.rotationPeriodInDays;
  if (refusal) problems.push({ reason: 'ROTATION_UNSUPPORTED', text: `cannot rotate automatically: ${refusal}` });
  else if (k.rotation === false) {
    problems.push({
      reason: 'ROTATION_DISABLED',
      text: `has automatic rotation off${k.replicaOf ? ` (a multi-Region replica: rotation is set on its primary ${k.replicaOf.arn})` : ''}`,
    });
  } else if (
    k.rotation === true &&
    wantedPeriod !== undefined &&
    k.rotationPeriodInDays !== undefined &&
    k.rotationPeriodInDays !== wantedPeriod
  ) {
    problems.push({
      reason: 'ROTATION_PERIOD',
      text: `rotates every ${k.rotationPeriodInDays} days, the policy says ${wantedPeriod}`,
    });
  }
  if (ctx.policy.doc.keyUsers.length > 0) {
    if (k.policy === undefined) {
      problems.push({ reason: 'KEY_POLICY_UNREADABLE', text: 'has no readable key policy' });
    } else {
      try {
        const missing = missingKeyUsers(k.policy, ctx.policy.doc.keyUsers);
        if (missing.length)
          problems.push({
            reason: 'MISSING_GRANTS',
            text: `has a key policy that does not let ${missing.join(', ')} use it`,
          });
      } catch {
        problems.push({ reason: 'KEY_POLICY_UNREADABLE', text: 'has a key policy that is not a JSON policy document' });
      }
    }
  }
  const first = problems[0];
  if (!first) return { status: 'COMPLIANT', ...base };
  return {
    status: 'NON_COMPLIANT',
    reason: first.reason,
    detail: `CMK ${k.arn} ${problems.map((p) => p.text).join('; ')}`,
    ...base,
  };
};

const evaluateAlias = (s: Extract<KmsKeyState, { kind: 'alias' }>): Finding => {
  if (!s.policyAlias || s.alias !== s.policyAlias) {
    return {
      status: 'NOT_APPLICABLE',
      reason: 'NOT_THE_CMK',
      detail: `${s.alias} is not the alias the policy names the CMK by`,
    };
  }
  const expected = s.pinned ?? s.previous;
  const critical = (reason: string, detail: string): Finding => ({
    status: 'NON_COMPLIANT',
    reason,
    severity: 'CRITICAL',
    detail,
    observedKey: s.target?.arn,
    expectedKey: expected,
  });
  if (!s.target)
    return critical(
      'ALIAS_MISSING',
      `The CMK alias ${s.alias} no longer exists in ${s.region}: resources and tools that name the CMK by alias now fail`,
    );
  if (expected === undefined) {
    return critical(
      'ALIAS_CHANGED',
      `The CMK alias ${s.alias} was changed and now points at ${s.target.arn}; this instance has no record of its previous target (pin cmk.keys.${s.region} to compare)`,
    );
  }
  if (s.target.arn !== expected) {
    return critical(
      'ALIAS_REPOINTED',
      `The CMK alias ${s.alias} now points at ${s.target.arn}, not ${expected}: new data would be encrypted under the wrong key`,
    );
  }
  return { status: 'COMPLIANT', observedKey: s.target.arn, expectedKey: expected };
};

/** Pure: a regional CMK is enabled, not pending deletion, rotated, usable by the policy's roles; its alias still names
 * it. */
export const evaluateKmsKey = (s: KmsKeyState, ctx: EvaluationContext): Finding =>
  s.kind === 'key' ? evaluateKey(s, ctx) : evaluateAlias(s);
