import { describeDbInstance } from '../../aws/rds';
import { tagRecord } from '../../aws/tags';
import {
  AddTagsToResourceCommand,
  CreateDBInstanceReadReplicaCommand,
  type DBInstance,
  DeleteDBInstanceCommand,
  paginateDescribeDBInstances,
  RDSClient,
} from '@aws-sdk/client-rds';
import { sourceRegionOf } from '../../aws/arn';
import { translateAwsError } from '../../aws/errors';
import type { Rule, RuleContext } from '../contract';
import { NO_DOWNTIME, read, write } from '../plan';
import { evaluateRdsReadReplica, type RdsReadReplicaState, replacementId, replacementVerified } from './evaluate';
import { rdsReadReplicaMeta } from './meta';
import { replacementTags, replicaCreateSettings, replicaDifferences, replicaSettingsOf } from './settings';

const rds = (ctx: RuleContext): RDSClient => ctx.clients.get(RDSClient, ctx.scope);

const readInstance = (id: string, ctx: RuleContext): Promise<DBInstance | undefined> =>
  describeDbInstance(ctx.clients, ctx.scope, id);

const carried = (s: RdsReadReplicaState): string =>
  s.replacement?.differences?.length
    ? `settings that differ from ${s.id}: ${s.replacement.differences.join('; ')}`
    : `it carries ${s.id}'s subnet group, security groups, parameter and option groups, Multi-AZ, storage, monitoring and Performance Insights`;

const tagsOf = (db: DBInstance): Record<string, string> => tagRecord(db.TagList);

export const rdsReadReplicaRule: Rule<RdsReadReplicaState> = {
  ...rdsReadReplicaMeta,

  async *list(ctx) {
    for await (const page of paginateDescribeDBInstances({ client: rds(ctx) }, {})) {
      for (const db of page.DBInstances ?? []) {
        const src = sourceRegionOf(db.ReadReplicaSourceDBInstanceIdentifier);
        if (db.DBInstanceIdentifier && src && src !== ctx.scope.region) yield db.DBInstanceIdentifier;
      }
    }
  },

  async describe(ref, ctx) {
    const db = await readInstance(ref.id, ctx);
    if (!db) return undefined;
    const sourceArn = db.ReadReplicaSourceDBInstanceIdentifier;
    const encrypted = db.StorageEncrypted === true;
    const state: RdsReadReplicaState = {
      id: ref.id,
      arn: db.DBInstanceArn ?? rdsReadReplicaRule.arn(ref),
      region: ref.region,
      sourceArn,
      sourceRegion: sourceRegionOf(sourceArn),
      instanceClass: db.DBInstanceClass,
      status: db.DBInstanceStatus,
      encrypted,
      tags: tagsOf(db),
      settings: replicaSettingsOf(db),
      observedKey: encrypted ? await ctx.keys.observe(db.KmsKeyId ?? 'alias/aws/rds', ref.region) : undefined,
    };
    if (!state.sourceRegion || state.sourceRegion === ref.region) return state;
    const rep = await readInstance(replacementId(ref.id), ctx);
    if (rep) {
      const repEncrypted = rep.StorageEncrypted === true;
      state.replacement = {
        id: replacementId(ref.id),
        status: rep.DBInstanceStatus,
        encrypted: repEncrypted,
        observedKey: repEncrypted ? await ctx.keys.observe(rep.KmsKeyId ?? 'alias/aws/rds', ref.region) : undefined,
        differences: replicaDifferences(
          state.settings ?? { securityGroupIds: [] },
          rep,
          (await ctx.keys.regionalCmk(ref.region)).arn,
        ),
      };
    }
    return state;
  },

  evaluate: evaluateRdsReadReplica,

  tags: (state) => Promise.resolve(state.tags),

  plan(state, finding, ctx, action) {
    const none = (why: string) => ({ steps: [], downtime: NO_DOWNTIME, cost: [], notes: [why] });
    if (action === 'QUARANTINE') {
      const tag = ctx.policy.doc.quarantineTag;
      const value = finding.reason ?? 'NON_COMPLIANT';
      if (state.tags[tag] === value) return none(`already tagged ${tag}=${value}`);
      return {
        steps: [
          write('rds', 'AddTagsToResource', { ResourceName: state.arn, tag: `${tag}=${value}` }, 'mark it quarantined'),
          read('rds', 'DescribeDBInstances', { DBInstanceIdentifier: state.id }, 'verify the tag'),
        ],
        downtime: NO_DOWNTIME,
        cost: [{ class: 'API_REQUESTS', basis: '2 RDS calls' }],
        notes: ['the replica and its data are untouched'],
      };
    }
    const newId = replacementId(state.id);
    if (!state.encrypted) return none(`the source ${state.sourceArn} is unencrypted: encrypt it first`);
    if (!state.replacement)
      return {
        steps: [
          write(
            'rds',
            'CreateDBInstanceReadReplica',
            { DBInstanceIdentifier: newId, SourceDBInstanceIdentifier: state.sourceArn, KmsKeyId: ctx.cmk.arn },
            `a replacement replica on this region's CMK; ${state.id} kept`,
          ),
        ],
        downtime: NO_DOWNTIME,
        cost: [
          {
            class: 'STORAGE_DUPLICATE',
            basis: `a second replica (instance hours and storage) while ${state.id} is kept`,
          },
        ],
        notes: ['readers move to the replacement; the next event or sweep verifies it, then the gate decides'],
      };
    if (!replacementVerified(state, ctx)) return none(`replacement ${newId} not yet available on the CMK`);
    if (!ctx.policy.gates.cutOver) return none(`replacement ${newId} verified; ${state.id} kept (gates.cutOver off)`);
    return {
      steps: [
        write(
          'rds',
          'DeleteDBInstance',
          { DBInstanceIdentifier: state.id, SkipFinalSnapshot: true },
          `delete the replica on the wrong key, its replacement ${newId} verified`,
          { destructive: true, gate: 'gates.cutOver' },
        ),
      ],
      downtime: { kind: 'OUTAGE_AT_SWITCHOVER', duration: `readers still on ${state.id} fail until they use ${newId}` },
      cost: [],
    };
  },

  async remediate(state, _finding, ctx) {
    const cmk = await ctx.keys.regionalCmk(state.region);
    const newId = replacementId(state.id);
    if (!state.encrypted) {
      // RDS refuses an encrypted replica of an unencrypted source: the source must be encrypted first, in its own
      // region.
      return {
        kind: 'PENDING',
        changed: true,
        detail: `${state.id} is unencrypted because its source ${state.sourceArn} is: encrypt the source (the rds-instance rule in ${state.sourceRegion ?? 'its region'}), then replicas can use ${cmk.arn}`,
      };
    }
    if (!state.replacement) {
      try {
        await rds(ctx).send(
          new CreateDBInstanceReadReplicaCommand({
            DBInstanceIdentifier: newId,
            SourceDBInstanceIdentifier: state.sourceArn,
            // The source ARN names its region: SDK v3 derives SourceRegion from it and presigns
            // the cross-region call (PreSignedUrl). KmsKeyId is the key of this, the destination, region.
            KmsKeyId: cmk.arn,
            DBInstanceClass: state.instanceClass,
            ...(state.settings ? replicaCreateSettings(state.settings, cmk.arn) : {}),
            Tags: replacementTags(state, ctx.policy.doc.quarantineTag),
          }),
        );
      } catch (e) {
        throw translateAwsError(e, 'rds:CreateDBInstanceReadReplica', newId);
      }
      return {
        kind: 'PENDING',
        changed: true,
        detail: `Created replacement replica ${newId} of ${state.sourceArn} encrypted with ${cmk.arn}; ${state.id} is kept${ctx.policy.gates.cutOver ? ' until the replacement is available and verified (gate cutOver on)' : ' (set gates.cutOver to delete it once the replacement is verified)'}`,
      };
    }
    const ready = replacementVerified(state, { region: state.region, cmk, policy: ctx.policy });
    if (!ready) {
      return {
        kind: 'PENDING',
        changed: false,
        detail: `Replacement ${newId} exists (${state.replacement.status ?? 'unknown'}) but is not yet available on ${cmk.arn}; ${state.id} is kept`,
      };
    }
    if (!ctx.policy.gates.cutOver) {
      return {
        kind: 'PENDING',
        changed: false,
        detail: `Replacement ${newId} is available and encrypted with ${cmk.arn}; ${carried(state)}; ${state.id} is kept: point readers at ${newId}, or set gates.cutOver to delete ${state.id}`,
      };
    }
    try {
      // A read replica has no final snapshot to keep; the source and the verified replacement hold the data.
      await rds(ctx).send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: state.id, SkipFinalSnapshot: true }));
    } catch (e) {
      throw translateAwsError(e, 'rds:DeleteDBInstance', state.id);
    }
    return {
      kind: 'PENDING',
      changed: true,
      detail: `Replacement ${newId} verified (available, ${cmk.arn}); deleting ${state.id} (gate cutOver)`,
    };
  },

  async quarantine(state, finding, ctx) {
    const tag = ctx.policy.doc.quarantineTag;
    const value = finding.reason ?? 'NON_COMPLIANT';
    if (state.tags[tag] === value)
      return { kind: 'DONE', changed: false, verified: true, detail: `Already tagged ${tag}=${value}` };
    try {
      await rds(ctx).send(
        new AddTagsToResourceCommand({ ResourceName: state.arn, Tags: [{ Key: tag, Value: value }] }),
      );
    } catch (e) {
      throw translateAwsError(e, 'rds:AddTagsToResource', state.id);
    }
    const after = await readInstance(state.id, ctx);
    return {
      kind: 'DONE',
      changed: true,
      verified: !!after && tagsOf(after)[tag] === value,
      detail: `Tagged ${tag}=${value}; the replica and its data are untouched`,
    };
  },
};
