import { describeDbInstance, pendingModifications } from '../../aws/rds';
import { tagRecord } from '../../aws/tags';
import {
  CreateDBParameterGroupCommand,
  DescribeDBInstancesCommand,
  DescribeDBParameterGroupsCommand,
  DescribeDBParametersCommand,
  type DBInstance,
  ListTagsForResourceCommand,
  ModifyDBInstanceCommand,
  ModifyDBParameterGroupCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { awsErrorName, isAwsNotFound, translateAwsError } from '../../aws/errors';
import type { ResourceRef, Rule, RuleContext } from '../contract';
import { evaluateParamGroupTls, isApplied, type ParamGroupTlsState, rdsTlsParam } from '../../tls/parameter-group';
import { type ParamGroupOps, planParamGroupTls, remediateParamGroupTls } from '../../tls/parameter-group-apply';
import { GROUP_PREFIX, rdsTlsMeta } from './meta';

export type RdsTlsState = ParamGroupTlsState & { family: string; arn?: string };

const rds = (ctx: RuleContext): RDSClient => ctx.clients.get(RDSClient, ctx.scope);

async function* allInstances(ctx: RuleContext): AsyncIterable<DBInstance> {
  let Marker: string | undefined;
  do {
    const out = await rds(ctx)
      .send(new DescribeDBInstancesCommand({ Marker }))
      .catch((e: unknown) => {
        throw translateAwsError(e, 'rds:DescribeDBInstances');
      });
    yield* out.DBInstances ?? [];
    Marker = out.Marker;
  } while (Marker);
}

interface ParamRead {
  value?: string;
  applyType?: 'static' | 'dynamic';
}

const applyTypeOf = (t: string | undefined): ParamRead['applyType'] =>
  t === 'static' || t === 'dynamic' ? t : undefined;

/** The value and, where AWS reports it (per engine version), the parameter's ApplyType. */
const readParam = async (group: string, param: string, ctx: RuleContext): Promise<ParamRead> => {
  let Marker: string | undefined;
  do {
    const out = await rds(ctx)
      .send(new DescribeDBParametersCommand({ DBParameterGroupName: group, Marker }))
      .catch((e: unknown) => {
        throw translateAwsError(e, 'rds:DescribeDBParameters', group);
      });
    const hit = out.Parameters?.find((p) => p.ParameterName === param);
    if (hit) return { value: hit.ParameterValue, applyType: applyTypeOf(hit.ApplyType) };
    Marker = out.Marker;
  } while (Marker);
  return {};
};

const applyStatusOf = (db: DBInstance, group: string): string | undefined =>
  db.DBParameterGroups?.find((g) => g.DBParameterGroupName === group)?.ParameterApplyStatus;

/** Default groups are named default.<family> (default.postgres16, default.sqlserver-se-15.0). */
const familyOf = (group: string, engine: string): string =>
  group.startsWith('default.') ? group.slice('default.'.length) : engine;

const ops = (ctx: RuleContext): ParamGroupOps => ({
  noun: 'instance',
  async createGroup(name, family, description) {
    try {
      await rds(ctx).send(
        new CreateDBParameterGroupCommand({
          DBParameterGroupName: name,
          DBParameterGroupFamily: family,
          Description: description,
        }),
      );
    } catch (e) {
      // A re-run (or another instance of the same family) already made it: reuse it.
      if (
        awsErrorName(e) !== 'DBParameterGroupAlreadyExists' &&
        awsErrorName(e) !== 'DBParameterGroupAlreadyExistsFault'
      )
        throw translateAwsError(e, 'rds:CreateDBParameterGroup', name);
    }
  },
  async setParam(group, param, value, method) {
    const send = (ApplyMethod: 'immediate' | 'pending-reboot') =>
      rds(ctx).send(
        new ModifyDBParameterGroupCommand({
          DBParameterGroupName: group,
          Parameters: [{ ParameterName: param, ParameterValue: value, ApplyMethod }],
        }),
      );
    try {
      await send(method);
      return method;
    } catch (e) {
      // RDS refuses `immediate` for a static parameter (InvalidParameterCombination): that one waits for a reboot.
      if (method !== 'immediate' || awsErrorName(e) !== 'InvalidParameterCombination')
        throw translateAwsError(e, 'rds:ModifyDBParameterGroup', group);
    }
    await send('pending-reboot').catch((e: unknown) => {
      throw translateAwsError(e, 'rds:ModifyDBParameterGroup', group);
    });
    return 'pending-reboot';
  },
  async attach(id, group) {
    // No ApplyImmediately: it would also apply every change the owner queued for the maintenance window, and the
    // group name needs none ("The parameter group name itself is changed immediately", ModifyDBInstance API reference).
    await rds(ctx)
      .send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, DBParameterGroupName: group }))
      .catch((e: unknown) => {
        throw translateAwsError(e, 'rds:ModifyDBInstance', id);
      });
  },
});

const describeGroup = async (ref: ResourceRef, ctx: RuleContext): Promise<RdsTlsState | undefined> => {
  const group = ref.id.slice(GROUP_PREFIX.length);
  let family: string | undefined;
  let arn: string | undefined;
  try {
    const found = (await rds(ctx).send(new DescribeDBParameterGroupsCommand({ DBParameterGroupName: group })))
      .DBParameterGroups?.[0];
    family = found?.DBParameterGroupFamily;
    // The group's own tags decide its exemption.
    arn = found?.DBParameterGroupArn;
  } catch (e) {
    if (isAwsNotFound(e, 'rds:DescribeDBParameterGroups')) return undefined;
    throw translateAwsError(e, 'rds:DescribeDBParameterGroups', group);
  }
  if (!family) return undefined;
  const users: DBInstance[] = [];
  for await (const db of allInstances(ctx))
    if (db.DBParameterGroups?.some((g) => g.DBParameterGroupName === group)) users.push(db);
  // The family without its version is the engine (postgres16 → postgres, sqlserver-se-15.0 → sqlserver-se).
  const engine = users[0]?.Engine ?? family.replace(/[\d.]+$/, '').replace(/-$/, '');
  const { param, notCovered, applyType } = rdsTlsParam(engine);
  const base = {
    id: ref.id,
    region: ref.region,
    engine,
    group,
    isDefault: group.startsWith('default.'),
    family,
    arn,
    groupRef: true,
    sharedWith: users.map((u) => u.DBInstanceIdentifier ?? ''),
  };
  if (!param) return { ...base, notCovered };
  const read = await readParam(group, param, ctx);
  const notApplied = users
    .map((u) => ({ id: u.DBInstanceIdentifier ?? '', status: applyStatusOf(u, group) }))
    .filter((u): u is { id: string; status: string } => !isApplied(u.status));
  return { ...base, param, value: read.value, applyType: read.applyType ?? applyType, notApplied };
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
    const { param, notCovered, applyType } = rdsTlsParam(engine);
    const base = {
      id: ref.id,
      region: ref.region,
      engine,
      group,
      isDefault: group.startsWith('default.'),
      family: familyOf(group, engine),
      arn: db.DBInstanceArn,
      applyStatus: applyStatusOf(db, group),
      pendingModifications: pendingModifications(db),
    };
    if (!param) return { ...base, notCovered, sharedWith: [] };
    const read = await readParam(group, param, ctx);
    const sharedWith: string[] = [];
    if (!base.isDefault) {
      for await (const other of allInstances(ctx)) {
        if (
          other.DBInstanceIdentifier !== ref.id &&
          other.DBParameterGroups?.some((g) => g.DBParameterGroupName === group)
        )
          sharedWith.push(other.DBInstanceIdentifier ?? '');
      }
    }
    return { ...base, param, value: read.value, applyType: read.applyType ?? applyType, sharedWith };
  },

  evaluate: (state, ctx) => evaluateParamGroupTls(state, ctx, 'instance'),

  async tags(state, ctx) {
    if (!state.arn) return {};
    const out = await rds(ctx)
      .send(new ListTagsForResourceCommand({ ResourceName: state.arn }))
      .catch((e: unknown) => {
        throw translateAwsError(e, 'rds:ListTagsForResource', state.arn);
      });
    return tagRecord(out.TagList);
  },

  plan: (state, finding, ctx, action) =>
    planParamGroupTls(
      state,
      finding,
      {
        service: 'rds',
        create: 'CreateDBParameterGroup',
        modify: 'ModifyDBParameterGroup',
        modifyMayRetry: true,
        attach: 'ModifyDBInstance',
        groupField: 'DBParameterGroupName',
        idField: 'DBInstanceIdentifier',
      },
      '1',
      'database',
      ctx,
      action,
    ),

  remediate: (state, finding, ctx) => remediateParamGroupTls(state, finding, ops(ctx), '1', ctx),

  quarantine: async () => ({
    kind: 'CANNOT',
    detail: 'Reported only: a database without enforced TLS is not quarantined',
  }),
};
