import {
  CancelKeyDeletionCommand,
  DescribeKeyCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListResourceTagsCommand,
} from '@aws-sdk/client-kms';
import { isAwsNotFound, translateAwsError } from '../../aws/errors';
import { SentinelError } from '../../errors';
import { arnParts, type KeyInfo } from '../../kms/key-resolver';
import type { ActionVerdict, Rule, RuleContext } from '../contract';
import { NO_DOWNTIME, type PlanStep, read, write } from '../plan';
import { evaluateKmsKey, type KeyDetails, type KeyUsage, type KmsKeyState, rotationRefusal } from './evaluate';
import { kmsKeyMeta } from './meta';
import { countKeyUsers } from './usage';

const kms = (ctx: RuleContext, region: string): KMSClient => ctx.clients.get(KMSClient, { ...ctx.scope, region });

const PENDING = new Set(['PendingDeletion', 'PendingReplicaDeletion']);

interface Rotation {
  enabled?: boolean;
  periodInDays?: number;
}

const readRotation = async (arn: string, region: string, usable: boolean, ctx: RuleContext): Promise<Rotation> => {
  try {
    const out = await kms(ctx, region).send(new GetKeyRotationStatusCommand({ KeyId: arn }));
    return { enabled: out.KeyRotationEnabled === true, periodInDays: out.RotationPeriodInDays };
  } catch (e) {
    // A key pending deletion or disabled refuses the call in AWS: rotation is then not the question.
    if (!usable) return {};
    throw translateAwsError(e, 'kms:GetKeyRotationStatus', arn);
  }
};

/** Where rotation is read and set: a multi-Region replica's rotation is its primary's, in the primary's region. */
const rotationHome = (k: KeyDetails, region: string): { arn: string; region: string } =>
  k.replicaOf ?? { arn: k.arn, region };

/** Origin, key spec, custom key store and multi-Region role: what decides whether KMS rotates the key at all. */
const readKeyKind = async (k: KeyDetails, region: string, ctx: RuleContext): Promise<void> => {
  const m = (
    await kms(ctx, region)
      .send(new DescribeKeyCommand({ KeyId: k.arn }))
      .catch((e: unknown) => {
        throw translateAwsError(e, 'kms:DescribeKey', k.arn);
      })
  ).KeyMetadata;
  k.origin = m?.Origin;
  k.keySpec = m?.KeySpec;
  k.customKeyStoreId = m?.CustomKeyStoreId;
  const primary = m?.MultiRegionConfiguration?.PrimaryKey;
  if (m?.MultiRegionConfiguration?.MultiRegionKeyType === 'REPLICA' && primary?.Arn)
    k.replicaOf = { arn: primary.Arn, region: primary.Region ?? arnParts(primary.Arn)?.region ?? region };
};

const readPolicy = async (k: KeyInfo, ctx: RuleContext): Promise<string | undefined> => {
  try {
    return (await kms(ctx, k.region).send(new GetKeyPolicyCommand({ KeyId: k.arn, PolicyName: 'default' }))).Policy;
  } catch (e) {
    throw translateAwsError(e, 'kms:GetKeyPolicy', k.arn);
  }
};

const describeKey = async (ref: string, region: string, ctx: RuleContext): Promise<KmsKeyState | undefined> => {
  // Fresh: the event is about this key's state changing; a cached resolution would hide it.
  const { current } = await ctx.keys.refresh(ref, region);
  if (!current) return undefined;
  const cmk = await ctx.keys.regionalCmk(region).catch((e: unknown) => {
    if (e instanceof SentinelError && e.code === 'KEY_NOT_FOUND') return undefined;
    throw e;
  });
  const key: KeyDetails = {
    arn: current.arn,
    keyId: current.keyId,
    state: current.state ?? 'Unknown',
    deletionDate: current.deletionDate,
  };
  const covered = ctx.policy.regions(region).includes(region);
  if (!covered || !cmk || cmk.arn !== current.arn)
    return { kind: 'key', ref, region, cmkArn: covered ? cmk?.arn : undefined, key };
  const unusable = PENDING.has(key.state) || key.state === 'Disabled';
  await readKeyKind(key, region, ctx);
  // GetKeyRotationStatus is refused (UnsupportedOperationException) on the keys KMS cannot rotate: not asked.
  if (!rotationRefusal(key)) {
    const home = rotationHome(key, region);
    const r = await readRotation(home.arn, home.region, !unusable, ctx);
    key.rotation = r.enabled;
    key.rotationPeriodInDays = r.periodInDays;
  }
  key.policy = await readPolicy(current, ctx);
  let usage: KeyUsage | undefined;
  if (unusable) {
    // The other rules come from the context (loaded on use): importing the registry, which lists this rule, is a cycle.
    const others = ctx.allRules ? (await ctx.allRules()).filter((r) => r.type !== 'kms-key') : undefined;
    usage = others ? await countKeyUsers(current, region, others, ctx) : undefined;
  }
  return { kind: 'key', ref, region, cmkArn: cmk.arn, key, usage };
};

/** The key ARN the policy pins for this account and region, if it names one rather than an alias. */
const pinnedKey = (ctx: RuleContext, region: string): string | undefined => {
  const named = ctx.policy.cmkRef(region, ctx.scope.roleArn ? ctx.scope.account : undefined);
  return named?.pinned ? named.ref : undefined;
};

/** The alias that names this account's CMK: a member's own (cmk.accounts), else cmk.alias. */
const policyAlias = (ctx: RuleContext, region: string): string | undefined => {
  const named = ctx.policy.cmkRef(region, ctx.scope.roleArn ? ctx.scope.account : undefined);
  return named && !named.pinned ? named.ref : ctx.policy.doc.cmk.alias;
};

const describeAlias = async (alias: string, region: string, ctx: RuleContext): Promise<KmsKeyState> => {
  const { current, previous } = await ctx.keys.refresh(alias, region);
  return {
    kind: 'alias',
    alias,
    region,
    policyAlias: policyAlias(ctx, region),
    target: current,
    pinned: pinnedKey(ctx, region),
    previous: previous?.arn,
  };
};

const attempt = async (call: () => Promise<unknown>, action: string, arn: string): Promise<void> => {
  try {
    await call();
  } catch (e) {
    throw translateAwsError(e, action, arn);
  }
};

const alertOnly = (detail: string): ActionVerdict => ({ kind: 'CANNOT', detail });

export const kmsKeyRule: Rule<KmsKeyState> = {
  ...kmsKeyMeta,

  async *list(ctx) {
    // The CMK of the region, by ARN; aliases are judged only on their own events (no baseline to compare in a sweep).
    if (!ctx.policy.regions(ctx.scope.region).includes(ctx.scope.region)) return;
    yield (await ctx.keys.regionalCmk(ctx.scope.region)).arn;
  },

  describe(ref, ctx) {
    const region = arnParts(ref.id)?.region ?? ref.region;
    const alias = ref.id.startsWith('alias/') ? ref.id : /:alias\/.+$/.exec(ref.id)?.[0].slice(1);
    return alias ? describeAlias(alias, region, ctx) : describeKey(ref.id, region, ctx);
  },

  evaluate: evaluateKmsKey,

  async tags(state, ctx) {
    if (state.kind !== 'key') return {};
    try {
      const out = await kms(ctx, state.region).send(new ListResourceTagsCommand({ KeyId: state.key.arn }));
      return Object.fromEntries((out.Tags ?? []).map((t) => [t.TagKey ?? '', t.TagValue ?? '']));
    } catch (e) {
      if (isAwsNotFound(e, 'kms:ListResourceTags')) return {};
      throw translateAwsError(e, 'kms:ListResourceTags', state.key.arn);
    }
  },

  plan(state, finding, ctx, action) {
    const none = (why: string) => ({ steps: [], downtime: NO_DOWNTIME, cost: [], notes: [why] });
    if (action === 'QUARANTINE') return none('reported only: a key is never quarantined (critical alert)');
    if (state.kind === 'alias') return none('an alias is never repointed automatically (critical alert)');
    const k = state.key;
    const steps: PlanStep[] = [];
    const pending = PENDING.has(k.state);
    if (pending)
      steps.push(write('kms', 'CancelKeyDeletion', { KeyId: k.keyId }, 'stop the scheduled deletion of the CMK'));
    if (pending || k.state === 'Disabled')
      steps.push(write('kms', 'EnableKey', { KeyId: k.keyId }, 'make the CMK usable again'));
    if (!rotationRefusal(k)) {
      const home = rotationHome(k, state.region);
      const reread = steps.length > 0 || k.rotation === undefined;
      const wanted = ctx.policy.doc.cmk.rotationPeriodInDays;
      const period = wanted ?? k.rotationPeriodInDays;
      const enable = write(
        'kms',
        'EnableKeyRotation',
        { KeyId: home.arn, RotationPeriodInDays: period },
        `turn automatic rotation on${k.replicaOf ? ' on the multi-Region primary' : ''} (or set its period)`,
      );
      if (reread) {
        steps.push(
          read('kms', 'GetKeyRotationStatus', { KeyId: home.arn }, 'read rotation now that the key is usable'),
        );
        steps.push({ ...enable, times: 'optional', when: "rotation reads off, or its period is not the policy's" });
      } else if (
        k.rotation === false ||
        (wanted !== undefined && k.rotationPeriodInDays !== undefined && k.rotationPeriodInDays !== wanted)
      )
        steps.push(enable);
    }
    if (steps.length === 0) return none('nothing AWS lets us change: key policies are never rewritten; reported');
    return {
      steps,
      downtime: NO_DOWNTIME,
      cost: [{ class: 'API_REQUESTS', basis: `${steps.length} KMS control-plane calls; no data re-encrypted` }],
    };
  },

  async remediate(state, finding, ctx) {
    if (state.kind === 'alias')
      return alertOnly(
        'An alias is never repointed automatically: point it back at the CMK or update the policy (critical alert sent)',
      );
    const k = state.key;
    const client = kms(ctx, state.region);
    const done: string[] = [];
    // The emulator (and only it) rejects ARNs on these four calls: the bare key id works in AWS too.
    if (PENDING.has(k.state)) {
      await attempt(
        () => client.send(new CancelKeyDeletionCommand({ KeyId: k.keyId })),
        'kms:CancelKeyDeletion',
        k.arn,
      );
      done.push('cancelled the scheduled deletion');
    }
    if (PENDING.has(k.state) || k.state === 'Disabled') {
      // CancelKeyDeletion leaves the key Disabled.
      await attempt(() => client.send(new EnableKeyCommand({ KeyId: k.keyId })), 'kms:EnableKey', k.arn);
      done.push('enabled the key');
    }
    const refusal = rotationRefusal(k);
    if (!refusal) {
      const home = rotationHome(k, state.region);
      // A key that was pending deletion or disabled reports rotation off: read it again now that it is enabled.
      const fresh =
        done.length > 0 || k.rotation === undefined
          ? await readRotation(home.arn, home.region, true, ctx)
          : { enabled: k.rotation, periodInDays: k.rotationPeriodInDays };
      const wanted = ctx.policy.doc.cmk.rotationPeriodInDays;
      // Without RotationPeriodInDays, EnableKeyRotation resets the period to 365 days: write back the key's own (or the
      // policy's).
      const period = wanted ?? fresh.periodInDays ?? k.rotationPeriodInDays;
      const periodWrong =
        fresh.enabled === true &&
        wanted !== undefined &&
        fresh.periodInDays !== undefined &&
        fresh.periodInDays !== wanted;
      if (fresh.enabled === false || periodWrong) {
        await attempt(
          () =>
            kms(ctx, home.region).send(
              new EnableKeyRotationCommand({
                KeyId: home.arn,
                ...(period !== undefined ? { RotationPeriodInDays: period } : {}),
              }),
            ),
          'kms:EnableKeyRotation',
          home.arn,
        );
        const on = k.replicaOf
          ? ` on its multi-Region primary ${home.arn} (${home.region}), which rotates every replica`
          : '';
        const every = period !== undefined ? `, every ${period} days` : '';
        done.push(
          periodWrong ? `set the rotation period to ${period} days${on}` : `turned automatic rotation on${every}${on}`,
        );
      }
    }
    const manual = ['MISSING_GRANTS', 'KEY_POLICY_UNREADABLE', 'KEY_UNUSABLE'].includes(finding.reason ?? '');
    if (done.length === 0) {
      const why = [
        refusal ? 'EnableKeyRotation is refused for this key, so it is reported, not changed' : '',
        manual ? 'key policies are never rewritten automatically' : '',
      ].filter(Boolean);
      return alertOnly(
        why.length ? `${finding.detail ?? ''}: ${why.join('; ')}; an operator must fix it` : 'Nothing to change',
      );
    }
    return { kind: 'DONE', changed: true, detail: `${done.join(', ')} on ${k.arn}` };
  },

  // A CMK cannot be fenced off: the critical alert is the quarantine.
  quarantine: async () => alertOnly('Reported only: a key is never quarantined'),
};
