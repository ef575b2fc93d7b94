import { describeDbInstance } from '../../aws/rds';
import { tagRecord } from '../../aws/tags';
import {
  CreateDBParameterGroupCommand, DescribeDBInstancesCommand, DescribeDBParameterGroupsCommand, DescribeDBParametersCommand, type DBInstance,
  ListTagsForResourceCommand, ModifyDBInstanceCommand, ModifyDBParameterGroupCommand, RDSClient,
} from '@aws-sdk/client-rds';
import { awsErrorName, isAwsNotFound, translateAwsError } from '../../aws/errors';
import type { ResourceRef, Rule, RuleContext } from '../contract';
import { evaluateParamGroupTls, type ParamGroupTlsState, rdsTlsParam } from './evaluate';
import { type ParamGroupOps, remediateParamGroupTls } from './remediate';
import { GROUP_PREFIX, rdsTlsMeta } from './meta';

export type RdsTlsState = ParamGroupTlsState & { family: string; arn?: string };

const rds = (ctx: RuleContext): RDSClient => ctx.clients.get(RDSClient, ctx.scope);

async function* allInstances(ctx: RuleContext): AsyncIterable<DBInstance> {
  let Marker: string | undefined;
  do {
    const out = await rds(ctx).send(new DescribeDBInstancesCommand({ Marker })).catch((e: unknown) => {
      throw translateAwsError(e, 'rds:DescribeDBInstances');
    });
    yield* out.DBInstances ?? [];
    Marker = out.Marker;
  } while (Marker);
}

const readParam = async (group: string, param: string, ctx: RuleContext): Promise<string | undefined> => {
  let Marker: string | undefined;
  do {
    const out = await rds(ctx).send(new DescribeDBParametersCommand({ DBParameterGroupName: group, Marker })).catch((e: unknown) => {
      throw translateAwsError(e, 'rds:DescribeDBParameters', group);
    });
    const hit = out.Parameters?.find((p) => p.ParameterName === param);
    if (hit) return hit.ParameterValue;
    Marker = out.Marker;
  } while (Marker);
  return undefined;
};

/** Default groups are named default.<family> (default.postgres16, default.sqlserver-se-15.0). */
const familyOf = (group: string, engine: string): string => (group.startsWith('default.') ? group.slice('default.'.length) : engine);

const ops = (ctx: RuleContext): ParamGroupOps => ({
  noun: 'instance',
  async createGroup(name, family, description) {
    try {
      await rds(ctx).send(new CreateDBParameterGroupCommand({ DBParameterGroupName: name, DBParameterGroupFamily: family, Description: description }));
    } catch (e) {
      // A re-run (or another instance of the same family) already made it: reuse it.
      if (awsErrorName(e) !== 'DBParameterGroupAlreadyExists' && awsErrorName(e) !== 'DBParameterGroupAlreadyExistsFault') throw translateAwsError(e, 'rds:CreateDBParameterGroup', name);
    }
  },
  async setParam(group, param, value) {
    await rds(ctx).send(new ModifyDBParameterGroupCommand({
      DBParameterGroupName: group,
      // pending-reboot is accepted for static and dynamic parameters alike.
      Parameters: [{ ParameterName: param, ParameterValue: value, ApplyMethod: 'pending-reboot' }],
    })).catch((e: unknown) => { throw translateAwsError(e, 'rds:ModifyDBParameterGroup', group); });
  },
  async attach(id, group) {
    await rds(ctx).send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, DBParameterGroupName: group, ApplyImmediately: true }))
      .catch((e: unknown) => { throw translateAwsError(e, 'rds:ModifyDBInstance', id); });
  },
});

const describeGroup = async (ref: ResourceRef, ctx: RuleContext): Promise<RdsTlsState | undefined> => {
  const group = ref.id.slice(GROUP_PREFIX.length);
  let family: string | undefined;
  let arn: string | undefined;
  try {
    const found = (await rds(ctx).send(new DescribeDBParameterGroupsCommand({ DBParameterGroupName: group }))).DBParameterGroups?.[0];
    family = found?.DBParameterGroupFamily;
    // The group's own tags decide its exemption.
    arn = found?.DBParameterGroupArn;
  } catch (e) {
    if (isAwsNotFound(e, 'rds:DescribeDBParameterGroups')) return undefined;
    throw translateAwsError(e, 'rds:DescribeDBParameterGroups', group);
  }
  if (!family) return undefined;
  const users: DBInstance[] = [];
  for await (const db of allInstances(ctx)) if (db.DBParameterGroups?.some((g) => g.DBParameterGroupName === group)) users.push(db);
  // The family without its version is the engine (postgres16 → postgres, sqlserver-se-15.0 → sqlserver-se).
  const engine = users[0]?.Engine ?? family.replace(/[\d.]+$/, '').replace(/-$/, '');
  const { param, notCovered } = rdsTlsParam(engine);
  const base = { id: ref.id, region: ref.region, engine, group, isDefault: group.startsWith('default.'), family, arn, groupRef: true, sharedWith: users.map((u) => u.DBInstanceIdentifier ?? '') };
  return param ? { ...base, param, value: await readParam(group, param, ctx) } : { ...base, notCovered };
};

export const rdsTlsRule: Rule<RdsTlsState> = {
  ...rdsTlsMeta,

  async *list(ctx) {
    for await (const db of allInstances(ctx)) if (db.DBInstanceIdentifier) yield db.DBInstanceIdentifier;
  },

  async describe(ref, ctx) {
    if (ref.id.startsWith(GROUP_PREFIX)) return describeGroup(ref, ctx);
    const db = await describeDbInstance(ctx.clients, ctx.scope, ref.id);
    if (!db) return undefined;
    const engine = db.Engine ?? 'unknown';
    const group = db.DBParameterGroups?.[0]?.DBParameterGroupName ?? `default.${engine}`;
    const { param, notCovered } = rdsTlsParam(engine);
    const base = { id: ref.id, region: ref.region, engine, group, isDefault: group.startsWith('default.'), family: familyOf(group, engine), arn: db.DBInstanceArn };
    if (!param) return { ...base, notCovered, sharedWith: [] };
    const value = await readParam(group, param, ctx);
    const sharedWith: string[] = [];
    if (!base.isDefault) {
      for await (const other of allInstances(ctx)) {
        if (other.DBInstanceIdentifier !== ref.id && other.DBParameterGroups?.some((g) => g.DBParameterGroupName === group)) sharedWith.push(other.DBInstanceIdentifier ?? '');
      }
    }
    return { ...base, param, value, sharedWith };
  },

  evaluate: evaluateParamGroupTls,

  async tags(state, ctx) {
    if (!state.arn) return {};
    const out = await rds(ctx).send(new ListTagsForResourceCommand({ ResourceName: state.arn })).catch((e: unknown) => {
      throw translateAwsError(e, 'rds:ListTagsForResource', state.arn);
    });
    return tagRecord(out.TagList);
  },

  remediate: (state, _finding, ctx) => remediateParamGroupTls(state, ops(ctx), '1', ctx),

  quarantine: async () => ({ changed: false, taken: 'REPORT', detail: 'Reported only: a database without enforced TLS is not quarantined' }),
};
