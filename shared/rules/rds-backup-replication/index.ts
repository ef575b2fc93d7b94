import {
  type DBInstanceAutomatedBackup,
  paginateDescribeDBInstanceAutomatedBackups,
  RDSClient,
  StartDBInstanceAutomatedBackupsReplicationCommand,
  StopDBInstanceAutomatedBackupsReplicationCommand,
} from '@aws-sdk/client-rds';
import { explainMismatch, keyMismatch, keyReason } from '../../kms/compare';
import type { ObservedKey } from '../../kms/key-resolver';
import { translateAwsError } from '../../aws/errors';
import type { EvaluationContext, Finding, Rule, RuleContext } from '../contract';
import { sourceRegionOf } from '../../aws/arn';
import { NO_DOWNTIME, write } from '../plan';
import { rdsBackupReplicationMeta } from './meta';

/** A source instance's automated backups replicated into this region (ref id = the source instance ARN). */
export interface RdsBackupReplicationState {
  sourceArn: string;
  region: string;
  status?: string;
  encrypted: boolean;
  retentionPeriod?: number;
  observedKey?: ObservedKey;
}

/** Pure: replicated automated backups in region R must be encrypted with R's CMK. */
export const evaluateRdsBackupReplication = (s: RdsBackupReplicationState, ctx: EvaluationContext): Finding => {
  const expectedKey = ctx.cmk.arn;
  const observedKey = s.observedKey?.info?.arn ?? s.observedKey?.ref;
  const what = `Automated backups of ${s.sourceArn} replicated to ${s.region}`;
  if (!s.encrypted)
    return { status: 'NON_COMPLIANT', reason: 'UNENCRYPTED', detail: `${what} are not encrypted`, expectedKey };
  const m = keyMismatch(s.observedKey, ctx.cmk, s.region);
  if (!m) return { status: 'COMPLIANT', observedKey, expectedKey };
  return {
    status: 'NON_COMPLIANT',
    reason: keyReason(m),
    detail: `${what} ${explainMismatch(m, s.observedKey, ctx.cmk, s.region)}`,
    observedKey,
    expectedKey,
  };
};

const rds = (ctx: RuleContext): RDSClient => ctx.clients.get(RDSClient, ctx.scope);

/** The replicated backup of `sourceArn` in this region: the one whose instance ARN is the source's and whose region is
 * not ours. */
const findReplicated = async (sourceArn: string, ctx: RuleContext): Promise<DBInstanceAutomatedBackup | undefined> => {
  try {
    for await (const page of paginateDescribeDBInstanceAutomatedBackups({ client: rds(ctx) }, {})) {
      const hit = (page.DBInstanceAutomatedBackups ?? []).find(
        (b) => b.DBInstanceArn === sourceArn && b.Status !== 'deleting',
      );
      if (hit) return hit;
    }
  } catch (e) {
    throw translateAwsError(e, 'rds:DescribeDBInstanceAutomatedBackups', sourceArn);
  }
  return undefined;
};

export const rdsBackupReplicationRule: Rule<RdsBackupReplicationState> = {
  ...rdsBackupReplicationMeta,

  async *list(ctx) {
    for await (const page of paginateDescribeDBInstanceAutomatedBackups({ client: rds(ctx) }, {})) {
      for (const b of page.DBInstanceAutomatedBackups ?? []) {
        const src = sourceRegionOf(b.DBInstanceArn);
        if (b.DBInstanceArn && src && src !== ctx.scope.region) yield b.DBInstanceArn;
      }
    }
  },

  async describe(ref, ctx) {
    const b = await findReplicated(ref.id, ctx);
    if (!b) return undefined;
    const encrypted = b.Encrypted === true;
    return {
      sourceArn: ref.id,
      region: ref.region,
      status: b.Status,
      encrypted,
      retentionPeriod: b.BackupRetentionPeriod,
      observedKey: encrypted ? await ctx.keys.observe(b.KmsKeyId ?? 'alias/aws/rds', ref.region) : undefined,
    };
  },

  evaluate: evaluateRdsBackupReplication,

  // Replicated backups carry no tags of their own; exemption is on the source instance, in its own region.
  tags: () => Promise.resolve({}),

  plan(state, _finding, ctx, action) {
    const none = (why: string) => ({ steps: [], downtime: NO_DOWNTIME, cost: [], notes: [why] });
    if (action === 'QUARANTINE') return none('alert only: backup replication left as it is');
    if (!ctx.policy.gates.cutOver) return none('replication must be restarted with the CMK: gates.cutOver is off');
    const o = { gate: 'gates.cutOver', destructive: true };
    return {
      steps: [
        write(
          'rds',
          'StopDBInstanceAutomatedBackupsReplication',
          { SourceDBInstanceArn: state.sourceArn },
          'stop replicating backups under the wrong key (replicated backups are kept until they expire)',
          o,
        ),
        write(
          'rds',
          'StartDBInstanceAutomatedBackupsReplication',
          { SourceDBInstanceArn: state.sourceArn, KmsKeyId: ctx.cmk.arn, BackupRetentionPeriod: state.retentionPeriod },
          'replicate new backups under the CMK',
          { gate: 'gates.cutOver' },
        ),
      ],
      downtime: NO_DOWNTIME,
      cost: [
        { class: 'SNAPSHOT_STORAGE', basis: 'a fresh replicated backup chain beside the old one until it expires' },
      ],
      notes: ['no cross-region point-in-time restore between stop and the first new backup (a DR gap of minutes)'],
    };
  },

  async remediate(state, _finding, ctx) {
    const cmk = await ctx.keys.regionalCmk(state.region);
    if (!ctx.policy.gates.cutOver) {
      // Nothing safe to do without the gate, but the drift stands: PENDING (an operator's move) so every such event
      // alerts.
      return {
        kind: 'PENDING',
        changed: true,
        detail: `Replication must be restarted with ${cmk.arn}: set gates.cutOver to let the service stop and restart it (backups already replicated keep their key until they expire)`,
      };
    }
    try {
      await rds(ctx).send(
        new StopDBInstanceAutomatedBackupsReplicationCommand({ SourceDBInstanceArn: state.sourceArn }),
      );
      await rds(ctx).send(
        new StartDBInstanceAutomatedBackupsReplicationCommand({
          SourceDBInstanceArn: state.sourceArn,
          KmsKeyId: cmk.arn,
          ...(state.retentionPeriod ? { BackupRetentionPeriod: state.retentionPeriod } : {}),
        }),
      );
    } catch (e) {
      throw translateAwsError(e, 'rds:StartDBInstanceAutomatedBackupsReplication', state.sourceArn);
    }
    return {
      kind: 'PENDING',
      changed: true,
      detail: `Backup replication of ${state.sourceArn} restarted with ${cmk.arn} (gate cutOver); new backups replicate under it`,
    };
  },

  async quarantine(_state, finding) {
    return {
      kind: 'CANNOT',
      detail: `Alert only: backup replication left as it is (${finding.reason ?? 'NON_COMPLIANT'})`,
    };
  },
};
