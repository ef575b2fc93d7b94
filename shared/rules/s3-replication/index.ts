import { bucketsInRegion } from '../../aws/s3';
import {
  GetBucketLocationCommand,
  GetBucketReplicationCommand,
  GetBucketVersioningCommand,
  PutBucketReplicationCommand,
  type ReplicationConfiguration,
  S3Client,
} from '@aws-sdk/client-s3';
import type { AwsScope } from '../../aws/clients';
import { awsErrorName, isAwsNotFound, translateAwsError } from '../../aws/errors';
import { SentinelError } from '../../errors';
import type { Rule, RuleContext } from '../contract';
import { group, NO_DOWNTIME, type PlanStep, read, write } from '../plan';
import { readBucketTags } from '../../aws/s3-tags';
import {
  canonicalJson,
  evaluateS3Replication,
  withoutOwnedFields,
  patchReplication,
  type ReplicationRuleView,
  replicationProblems,
  type S3ReplicationState,
  type SourceBucket,
} from './evaluate';
import { DESTINATION_PREFIX, s3ReplicationMeta } from './meta';
import { checkReplicationRole, type KeyUse, missingStatements, type RoleCheck } from './role-check';

const NO_REPLICATION = 'ReplicationConfigurationNotFoundError';

const s3 = (ctx: RuleContext, region = ctx.scope.region): S3Client =>
  ctx.clients.get(S3Client, { ...ctx.scope, region });

const bucketName = (arnOrName: string): string => arnOrName.replace(/^arn:aws[a-z-]*:s3:::/, '');

/**
 * Region of a destination bucket. Not cached across events: a destination deleted and
 * recreated under the same name in another region is exactly the drift to catch. Within
 * one describe, rules sharing a destination share the call.
 */
const bucketRegion = (
  bucket: string,
  ctx: RuleContext,
  memo: Map<string, Promise<string | undefined>>,
): Promise<string | undefined> => {
  const cached = memo.get(bucket);
  if (cached) return cached;
  const found = s3(ctx)
    .send(new GetBucketLocationCommand({ Bucket: bucket }))
    .then(
      (out) => {
        const c = out.LocationConstraint as string | undefined;
        return !c ? 'us-east-1' : c === 'EU' ? 'eu-west-1' : c;
      },
      (e: unknown) => {
        if (isAwsNotFound(e, 's3:GetBucketLocation')) return undefined;
        throw translateAwsError(e, 's3:GetBucketLocation', bucket);
      },
    );
  memo.set(bucket, found);
  return found;
};

const readConfig = async (
  bucket: string,
  region: string,
  ctx: RuleContext,
): Promise<ReplicationConfiguration | 'NONE' | 'GONE'> => {
  try {
    const out = await s3(ctx, region).send(new GetBucketReplicationCommand({ Bucket: bucket }));
    return out.ReplicationConfiguration ?? 'NONE';
  } catch (e) {
    if (awsErrorName(e) === NO_REPLICATION) return 'NONE';
    if (isAwsNotFound(e, 's3:GetReplicationConfiguration')) return 'GONE';
    throw translateAwsError(e, 's3:GetReplicationConfiguration', bucket);
  }
};

/** The destination's account, reached with the policy's member role when it is one of the policy's accounts. */
const destinationScope = (account: string | undefined, region: string, ctx: RuleContext): AwsScope | undefined => {
  if (!account || account === ctx.scope.account) return undefined;
  const roleArn = ctx.policy.memberRoleArn(account);
  return roleArn ? { region, account, roleArn } : undefined;
};

const viewRules = async (config: ReplicationConfiguration, ctx: RuleContext): Promise<ReplicationRuleView[]> => {
  const memo = new Map<string, Promise<string | undefined>>();
  return Promise.all(
    (config.Rules ?? []).map(async (rule, index): Promise<ReplicationRuleView> => {
      const destBucket = bucketName(rule.Destination?.Bucket ?? '');
      const destRegion = destBucket ? await bucketRegion(destBucket, ctx, memo) : undefined;
      const replicaKeyRef = rule.Destination?.EncryptionConfiguration?.ReplicaKmsKeyID || undefined;
      const view: ReplicationRuleView = {
        index,
        id: rule.ID,
        enabled: rule.Status === 'Enabled',
        destBucket,
        destRegion,
        replicaKeyRef,
        sseKmsObjects: rule.SourceSelectionCriteria?.SseKmsEncryptedObjects?.Status === 'Enabled',
      };
      if (!destRegion) return view;
      // Keys of the destination region are looked up read-only; nothing there is changed.
      const scope = destinationScope(rule.Destination?.Account, destRegion, ctx);
      return {
        ...view,
        expectedKey: await ctx.keys.regionalCmk(destRegion, scope),
        observedKey: await ctx.keys.observe(replicaKeyRef, destRegion, scope),
      };
    }),
  );
};

/** The role of the configuration against the keys replication will use: the source region's CMK and the replica key. */
const withRoleChecks = async (
  bucket: string,
  region: string,
  config: ReplicationConfiguration,
  rules: ReplicationRuleView[],
  ctx: RuleContext,
): Promise<ReplicationRuleView[]> => {
  if (!config.Role) return rules;
  const sourceKey = await ctx.keys.regionalCmk(region);
  return Promise.all(
    rules.map(async (r) => {
      if (!r.enabled || !r.destRegion || !r.expectedKey) return r;
      const destScope = destinationScope(config.Rules?.[r.index]?.Destination?.Account, r.destRegion, ctx) ?? {
        ...ctx.scope,
        region: r.destRegion,
      };
      const uses: KeyUse[] = [
        { action: 'kms:Decrypt', keyArn: sourceKey.arn, bucket, region },
        { action: 'kms:Encrypt', keyArn: r.expectedKey.arn, bucket: r.destBucket, region: r.destRegion },
      ];
      const roleCheck = await checkReplicationRole(config.Role as string, uses, ctx, (u) =>
        u.action === 'kms:Encrypt' ? destScope : { ...ctx.scope, region },
      );
      return { ...r, roleCheck };
    }),
  );
};

const readSource = async (bucket: string, region: string, ctx: RuleContext): Promise<SourceBucket | 'GONE'> => {
  const config = await readConfig(bucket, region, ctx);
  if (config === 'GONE') return 'GONE';
  if (config === 'NONE') return { bucket, region, rules: [] };
  return {
    bucket,
    region,
    config,
    rules: await withRoleChecks(bucket, region, config, await viewRules(config, ctx), ctx),
  };
};

/**
 * The buckets of this region whose rules replicate into `dest`. S3 has no reverse
 * index: this is ListBuckets (one call) plus one GetBucketReplication per bucket of
 * the region, so it runs only for a versioned bucket (a destination must be versioned).
 * Sources in other regions belong to their own region's stack (PutBucketReplication there, or the backfill).
 */
const describeDestination = async (dest: string, ctx: RuleContext): Promise<S3ReplicationState | undefined> => {
  const region = ctx.scope.region;
  let versioned: boolean;
  try {
    versioned = (await s3(ctx).send(new GetBucketVersioningCommand({ Bucket: dest }))).Status === 'Enabled';
  } catch (e) {
    if (isAwsNotFound(e, 's3:GetBucketVersioning')) return undefined;
    throw translateAwsError(e, 's3:GetBucketVersioning', dest);
  }
  const base = { mode: 'destination' as const, bucket: dest, region, sources: [] };
  if (!versioned)
    return { ...base, note: `Bucket ${dest} is not versioned, so no replication rule can deliver to it yet` };
  const sources: SourceBucket[] = [];
  for await (const name of listBuckets(ctx)) {
    if (name === dest) continue;
    const src = await readSource(name, region, ctx);
    if (src === 'GONE' || !src.rules.some((r) => r.destBucket === dest)) continue;
    sources.push(src);
  }
  return { ...base, sources, note: sources.length ? undefined : `No bucket in ${region} replicates into ${dest}` };
};

const listBuckets = (ctx: RuleContext): AsyncIterable<string> => bucketsInRegion(ctx.clients, ctx.scope);

/**
 * Rewrite the wrong fields of one source's configuration, then re-read and compare everything. A rule whose
 * role cannot use the keys is not rewritten: it is returned as blocked, with the statements to add.
 */
const fixSource = async (bucket: string, ctx: RuleContext): Promise<{ written?: string; blocked: string[] }> => {
  const region = ctx.scope.region;
  const fresh = await readSource(bucket, region, ctx);
  if (fresh === 'GONE' || !fresh.config) return { blocked: [] };
  const all = replicationProblems({ mode: 'source', bucket, region, sources: [fresh] });
  const blocked = all
    .filter((p) => p.role)
    .map(
      (p) =>
        `${bucket} ${p.rule.id ? `rule "${p.rule.id}"` : `rule #${p.rule.index + 1}`}: ${missingStatements(p.role as RoleCheck)}`,
    );
  const problems = all.filter((p) => !p.role);
  if (problems.length === 0) return { blocked };
  const patched = patchReplication(fresh.config, problems);
  try {
    await s3(ctx).send(new PutBucketReplicationCommand({ Bucket: bucket, ReplicationConfiguration: patched }));
  } catch (e) {
    throw translateAwsError(e, 's3:PutReplicationConfiguration', bucket);
  }
  // Re-read and compare with what was there before, minus the two fields this rule owns: any
  // other difference means the write changed something it must not (or S3 rewrote it).
  const after = await readConfig(bucket, region, ctx);
  if (
    after === 'NONE' ||
    after === 'GONE' ||
    canonicalJson(withoutOwnedFields(after)) !== canonicalJson(withoutOwnedFields(fresh.config))
  ) {
    throw new SentinelError(
      'VERIFICATION_FAILED',
      `Replication configuration of ${bucket} does not read back as it was apart from the replica key fields`,
      {
        details: {
          resource: bucket,
          before: canonicalJson(fresh.config),
          read: typeof after === 'string' ? after : canonicalJson(after),
        },
      },
    );
  }
  const written = problems
    .map(
      (p) =>
        `${bucket} ${p.rule.id ? `rule "${p.rule.id}"` : `rule #${p.rule.index + 1}`}: ${[
          ...(p.key ? [`ReplicaKmsKeyID → ${p.rule.expectedKey?.arn ?? '?'}`] : []),
          ...(p.sseKmsOff ? ['SseKmsEncryptedObjects → Enabled'] : []),
        ].join(', ')}`,
    )
    .join('; ');
  return { written, blocked };
};

export const s3ReplicationRule: Rule<S3ReplicationState> = {
  ...s3ReplicationMeta,

  list: listBuckets,

  async describe(ref, ctx) {
    if (ref.id.startsWith(DESTINATION_PREFIX)) return describeDestination(ref.id.slice(DESTINATION_PREFIX.length), ctx);
    const src = await readSource(ref.id, ref.region, ctx);
    if (src === 'GONE') return undefined;
    return {
      mode: 'source',
      bucket: ref.id,
      region: ref.region,
      sources: [src],
      note: src.config ? undefined : `Bucket ${ref.id} has no replication configuration`,
    };
  },

  evaluate: evaluateS3Replication,

  // A destination-mode resource spans several sources: each is checked for exemption when it is fixed.
  tags: (state, ctx) => (state.mode === 'source' ? readBucketTags(state.bucket, ctx) : Promise.resolve({})),

  plan(state, _finding, ctx, action) {
    if (action === 'QUARANTINE')
      return { steps: [], downtime: NO_DOWNTIME, cost: [], notes: ['alert only: replication left as it is'] };
    const steps: PlanStep[] = state.sources
      .filter((src) => src.region === ctx.region)
      .map((src) => {
        const bucket = { Bucket: src.bucket };
        const fix = group(`fix the replication of ${src.bucket}`, [
          read('s3', 'GetBucketReplication', bucket, 'a fresh read of the configuration to patch'),
          group(
            "resolve each rule's destination region and check the replication role can use the keys",
            [
              read('s3', 'GetBucketLocation', { Bucket: '<destination>' }, 'destination region'),
              read('iam', 'SimulatePrincipalPolicy', { PolicySourceArn: '<replication role>' }, 'role key use'),
              read('kms', 'GetKeyPolicy', { KeyId: '<source/destination CMK>' }, 'key policy allows the role'),
            ],
            { oneOf: true, times: 'any' },
          ),
          group(
            'rewrite only ReplicaKmsKeyID / SseKmsEncryptedObjects and verify',
            [
              write(
                's3',
                'PutBucketReplication',
                { ...bucket, ReplicaKmsKeyID: "each destination region's CMK" },
                'every other field and rule kept',
              ),
              read('s3', 'GetBucketReplication', bucket, 'verify: nothing else changed'),
            ],
            { times: 'optional', when: 'a rule is wrong and its role can use the keys (else reported)' },
          ),
        ]);
        return state.mode === 'destination'
          ? group(`source ${src.bucket}`, [
              read('s3', 'GetBucketTagging', bucket, 'a source carrying the exemption tag is not touched'),
              { ...fix, times: 'optional' as const, when: 'the source is not exempt' },
            ])
          : fix;
      });
    return {
      steps,
      downtime: NO_DOWNTIME,
      cost: [
        { class: 'API_REQUESTS', basis: 'a few S3/IAM/KMS calls per source bucket; objects are not re-replicated' },
      ],
      notes: ['objects replicated before keep the replica key they were written with'],
    };
  },

  async remediate(state, _finding, ctx) {
    const done: string[] = [];
    const skipped: string[] = [];
    const blocked: string[] = [];
    for (const src of state.sources) {
      if (src.region !== ctx.scope.region) continue;
      if (state.mode === 'destination' && ctx.policy.isExempt(await readBucketTags(src.bucket, ctx))) {
        skipped.push(src.bucket);
        continue;
      }
      const fixed = await fixSource(src.bucket, ctx);
      if (fixed.written) done.push(fixed.written);
      blocked.push(...fixed.blocked);
    }
    const exempt = skipped.length ? `; exempt, not touched: ${skipped.join(', ')}` : '';
    const held = blocked.length
      ? `; not rewritten, the replication role cannot use the keys (objects would fail to replicate): ${blocked.join(' | ')}`
      : '';
    if (done.length === 0 && blocked.length) return { kind: 'CANNOT', detail: `Nothing rewritten${held}${exempt}` };
    return {
      kind: 'DONE',
      changed: done.length > 0,
      detail: done.length
        ? `Rewrote only the wrong fields (${done.join('; ')}); every other field and rule read back unchanged${held}${exempt}`
        : `Nothing to rewrite${exempt}`,
    };
  },

  async quarantine(_state, finding) {
    // A replication rule holds no data to fence off: the alert is the quarantine.
    return {
      kind: 'CANNOT',
      detail: `Alert only: the replication configuration is left as it is (${finding.reason ?? 'NON_COMPLIANT'})`,
    };
  },
};
