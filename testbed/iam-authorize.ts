import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Template } from './packaged';

/**
 * Static authorization: would the role a function runs as let it send a request, as AWS evaluates it?
 * The facts are the Service Authorization Reference (test/fixtures/iam/service-authorization.json): the
 * actions that authorize an API operation, the resource types each requires (and their ARN formats), the
 * dependent actions. The role's statements are the ones `serverless package` produced, with their
 * intrinsics resolved for one region and account.
 *
 * Coarser than AWS on purpose, and said so: resource names are wildcards (the ARN checked is the type's
 * format in the request's partition, region and account, so a statement pinned to another region or to
 * another resource type does not match, but one naming another bucket would); conditions are not evaluated
 * (the KMS alias/ViaService conditions have their own tests in test/unit/deployment/iam.test.ts).
 */

interface ResourceEntry {
  types: string[];
  conditions: string[];
  dependent: string[];
}
interface ActionFacts {
  access: string;
  apis: string[];
  permissionOnly: boolean;
  resources: ResourceEntry[];
}
export interface Reference {
  services: Record<string, { actions: Record<string, ActionFacts>; resources: Record<string, string> }>;
}

export const REFERENCE: Reference = JSON.parse(
  readFileSync(join(__dirname, '..', 'test', 'fixtures', 'iam', 'service-authorization.json'), 'utf8'),
);

/** SDK client -> IAM service prefix; S3 Control's operations are `control_<Operation>` in the reference. */
export const IAM_PREFIX: Record<string, { prefix: string; apiPrefix?: string }> = {
  S3Client: { prefix: 's3' },
  S3ControlClient: { prefix: 's3', apiPrefix: 'control_' },
  RDSClient: { prefix: 'rds' },
  RedshiftClient: { prefix: 'redshift' },
  KMSClient: { prefix: 'kms' },
  STSClient: { prefix: 'sts' },
  EMRClient: { prefix: 'elasticmapreduce' },
  SNSClient: { prefix: 'sns' },
  SQSClient: { prefix: 'sqs' },
  DynamoDBClient: { prefix: 'dynamodb' },
  SFNClient: { prefix: 'states' },
  IAMClient: { prefix: 'iam' },
  EC2Client: { prefix: 'ec2' },
  KinesisClient: { prefix: 'kinesis' },
  FirehoseClient: { prefix: 'firehose' },
  GlueClient: { prefix: 'glue' },
  AthenaClient: { prefix: 'athena' },
  CloudWatchLogsClient: { prefix: 'logs' },
  SecurityHubClient: { prefix: 'securityhub' },
  OrganizationsClient: { prefix: 'organizations' },
  ConfigServiceClient: { prefix: 'config' },
  ResourceGroupsTaggingAPIClient: { prefix: 'tag' },
};

/** The SDK client of an IAM service prefix: the first `IAM_PREFIX` maps to it (S3Client, not S3ControlClient). */
export const clientOfPrefix = (prefix: string): string =>
  Object.entries(IAM_PREFIX).find(([, v]) => v.prefix === prefix && !v.apiPrefix)?.[0] ?? `${prefix}?`;

/**
 * Operations the reference does not list under `apis`, with the actions AWS documents for them.
 * HeadObject: "you must have the s3:GetObject permission" (S3 API Reference, HeadObject, Permissions).
 * HeadBucket: "you must have the s3:ListBucket permission" (S3 API Reference, HeadBucket).
 * CopyObject: s3:GetObject on the source, s3:PutObject on the destination; tags copied need s3:GetObjectTagging /
 * s3:PutObjectTagging (S3 API Reference, CopyObject, Permissions).
 */
export const DOCUMENTED_OPERATIONS: Record<string, string[]> = {
  'S3Client HeadObject': ['s3:GetObject'],
  'S3Client HeadBucket': ['s3:ListBucket'],
  'S3Client CopyObject': ['s3:GetObject', 's3:PutObject'],
  'S3Client ListObjects': ['s3:ListBucket'],
  // "To use this operation, you must have permission to perform the s3:PutBucketTagging action" (S3 API Reference,
  // DeleteBucketTagging).
  'S3Client DeleteBucketTagging': ['s3:PutBucketTagging'],
  // The reference links these Glue actions to the Developer Guide's "Security APIs in AWS Glue" page
  // (aws-glue-api-jobs-security.html#aws-glue-api-jobs-security-<Operation>), so `apis` holds the page's name.
  'GlueClient GetDataCatalogEncryptionSettings': ['glue:GetDataCatalogEncryptionSettings'],
  'GlueClient PutDataCatalogEncryptionSettings': ['glue:PutDataCatalogEncryptionSettings'],
  // "SendMessageBatch ... the same permissions as SendMessage" (SQS Developer Guide, Amazon SQS API permissions
  // reference);
  // likewise DeleteMessageBatch and ChangeMessageVisibilityBatch.
  'SQSClient SendMessageBatch': ['sqs:SendMessage'],
  'SQSClient DeleteMessageBatch': ['sqs:DeleteMessage'],
  'SQSClient ChangeMessageVisibilityBatch': ['sqs:ChangeMessageVisibility'],
  // "TransactWriteItems ... you need permission for each action in the transaction" (DynamoDB Developer Guide,
  // "Using IAM with DynamoDB transactions"): the audit chain's transaction holds only Puts.
  'DynamoDBClient TransactWriteItems': ['dynamodb:PutItem'],
  // Security Hub API Reference, BatchImportFindings; the reference copy here lacks Security Hub.
  'SecurityHubClient BatchImportFindings': ['securityhub:BatchImportFindings'],
};

/**
 * Actions newer than the reference, with their AWS documentation source. An action in a role must be in the
 * reference or here.
 */
export const DOCUMENTED_ACTIONS: Record<string, string> = {
  'securityhub:BatchImportFindings':
    'Service Authorization Reference, "Actions defined by AWS Security Hub": BatchImportFindings, resource type product',
};

/** Dependent actions the reference lists that this service's requests never need, and why. */
export const DEPENDENTS_NOT_NEEDED: Record<string, string> = {
  'secretsmanager:*': 'the service never asks RDS/Redshift to manage a master user password (ManageMasterUserPassword)',
  'acm:DescribeCertificate': 'no custom certificates are set',
  'ec2:*': 'no VPC, subnet or security group is created or changed',
  'iam:CreateServiceLinkedRole': 'the service-linked roles exist in any account that runs these databases',
  'rds:CreateTenantDatabase': 'no tenant databases are created',
  'rds:DeleteTenantDatabase':
    'no tenant databases exist on the instances the service deletes (it deletes only its own restored copies or, gated, an original it re-created)',
  'rds:CopyCustomDBEngineVersion': 'RDS Custom engine versions are not copied (only snapshots of RDS/Aurora engines)',
};

/** Dependent actions needed only for a feature one action's requests never use: `action>dependent`, and why. */
export const DEPENDENT_NOT_NEEDED_FOR: Record<string, string> = {
  'rds:DeleteDBInstance>rds:CreateDBSnapshot':
    'only for a final snapshot: the rules delete read replicas only, which cannot have one (SkipFinalSnapshot); the workflow-step role, which deletes with a final snapshot, holds it',
};

const notNeeded = (action: string, of?: string): boolean =>
  (of !== undefined && DEPENDENT_NOT_NEEDED_FOR[`${of}>${action}`] !== undefined) ||
  Object.keys(DEPENDENTS_NOT_NEEDED).some(
    (k) => k === action || (k.endsWith(':*') && action.startsWith(k.slice(0, -1))),
  );

export const actionFacts = (action: string): ActionFacts | undefined => {
  const [prefix, name] = action.split(':');
  return REFERENCE.services[prefix ?? '']?.actions[name ?? ''];
};

const apiIndex = new Map<string, string[]>();
/** The IAM actions that authorize `operation` of `client`'s service. */
export const actionsForOperation = (client: string, operation: string): string[] => {
  const documented = DOCUMENTED_OPERATIONS[`${client} ${operation}`];
  if (documented) return documented;
  const svc = IAM_PREFIX[client];
  if (!svc) return [];
  if (apiIndex.size === 0) {
    for (const [prefix, s] of Object.entries(REFERENCE.services)) {
      for (const [name, a] of Object.entries(s.actions))
        for (const api of a.apis)
          apiIndex.set(`${prefix} ${api}`, [...(apiIndex.get(`${prefix} ${api}`) ?? []), `${prefix}:${name}`]);
    }
  }
  return apiIndex.get(`${svc.prefix} ${svc.apiPrefix ?? ''}${operation}`) ?? [];
};

// ---- globs (IAM's * and ?)
const globToRegex = (g: string, flags = '') =>
  new RegExp(
    `^${g
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&')))
      .join('')}$`,
    flags,
  );
export const globMatch = (glob: string, value: string, ignoreCase = false): boolean =>
  globToRegex(glob, ignoreCase ? 'i' : '').test(value);

/** Whether some string matches both globs (an ARN format with wildcard names, and a statement's Resource). */
export const globsIntersect = (a: string, b: string): boolean => {
  const memo = new Map<number, boolean>();
  const f = (i: number, j: number): boolean => {
    const key = i * 100_000 + j;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === a.length && j === b.length) r = true;
    else if (a[i] === '*') r = f(i + 1, j) || (j < b.length && f(i, j + 1));
    else if (b[j] === '*') r = f(i, j + 1) || (i < a.length && f(i + 1, j));
    else if (i < a.length && j < b.length && (a[i] === b[j] || a[i] === '?' || b[j] === '?')) r = f(i + 1, j + 1);
    else r = false;
    memo.set(key, r);
    return r;
  };
  return f(0, 0);
};

// ---- the packaged template, resolved
export interface Where {
  partition: string;
  region: string;
  account: string;
}
export interface ResolvedStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, unknown>>;
}

type Props = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const uuidOf = (id: string) =>
  `00000000-0000-0000-0000-${Buffer.from(id).toString('hex').padEnd(12, '0').slice(0, 12)}`;

/** Ref / Fn::GetAtt of the stack's own resources, as the ARNs CloudFormation would give them. */
const refOf = (t: Template, id: string, attr: string | undefined, w: Where): string => {
  const pseudo: Record<string, string> = {
    'AWS::Partition': w.partition,
    'AWS::Region': w.region,
    'AWS::AccountId': w.account,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': 'cmk-sentinel-ci',
  };
  if (pseudo[id]) return pseudo[id] as string;
  // A template parameter (the member template's): its default.
  const param = (t as { Parameters?: Record<string, { Default?: unknown }> }).Parameters?.[id];
  if (param?.Default !== undefined) return String(param.Default);
  const r = t.Resources[id];
  if (!r) return `\${${id}}`;
  const p: Props = r.Properties ?? {};
  const arn = (svc: string, rest: string, region = w.region) =>
    `arn:${w.partition}:${svc}:${region}:${w.account}:${rest}`;
  const name = (v: unknown) => resolveValue(t, v, w) as string;
  switch (r.Type) {
    case 'AWS::SNS::Topic':
      return arn('sns', name(p.TopicName ?? id));
    case 'AWS::SQS::Queue':
      return attr === 'Arn'
        ? arn('sqs', name(p.QueueName ?? id))
        : attr === 'QueueName'
          ? name(p.QueueName ?? id)
          : `https://sqs.${w.region}.amazonaws.com/${w.account}/${name(p.QueueName ?? id)}`;
    case 'AWS::DynamoDB::Table':
      return attr === 'Arn' ? arn('dynamodb', `table/${name(p.TableName ?? id)}`) : name(p.TableName ?? id);
    case 'AWS::KMS::Key':
      return attr === 'Arn' ? arn('kms', `key/${uuidOf(id)}`) : uuidOf(id);
    case 'AWS::S3::Bucket':
      return attr === 'Arn' ? `arn:${w.partition}:s3:::${name(p.BucketName ?? id)}` : name(p.BucketName ?? id);
    case 'AWS::IAM::Role':
      return attr === 'Arn'
        ? `arn:${w.partition}:iam::${w.account}:role/${name(p.RoleName ?? id)}`
        : name(p.RoleName ?? id);
    case 'AWS::Lambda::Function':
      return arn('lambda', `function:${name(p.FunctionName ?? id)}`);
    case 'AWS::StepFunctions::StateMachine':
      return attr === 'Name'
        ? name(p.StateMachineName ?? id)
        : arn('states', `stateMachine:${name(p.StateMachineName ?? id)}`);
    default:
      return `\${${id}${attr ? `.${attr}` : ''}}`;
  }
};

export const resolveValue = (t: Template, v: unknown, w: Where): unknown => {
  if (Array.isArray(v)) return v.map((x) => resolveValue(t, x, w));
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Props;
  if ('Ref' in o) {
    const param = (t as { Parameters?: Record<string, { Type?: string; Default?: unknown }> }).Parameters?.[o.Ref];
    if (param?.Type === 'CommaDelimitedList' && typeof param.Default === 'string') return param.Default.split(',');
    return refOf(t, o.Ref, undefined, w);
  }
  if ('Fn::GetAtt' in o) {
    const [id, attr] = o['Fn::GetAtt'] as string[];
    return refOf(t, id as string, attr, w);
  }
  if ('Fn::Sub' in o) {
    const [tpl, vars] = Array.isArray(o['Fn::Sub']) ? o['Fn::Sub'] : [o['Fn::Sub'], {}];
    return (tpl as string).replace(/\$\{([^}!]+)\}/g, (_m, ref: string) => {
      if (vars && ref in vars) return String(resolveValue(t, vars[ref], w));
      const [id, attr] = ref.split('.');
      return refOf(t, id as string, attr, w);
    });
  }
  if ('Fn::Join' in o) {
    const [sep, parts] = o['Fn::Join'];
    return (resolveValue(t, parts, w) as unknown[]).join(sep);
  }
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, resolveValue(t, x, w)]));
};

const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/** Every statement of a role's inline policies (and managed policies' statements, if any were inline here). */
export const roleStatements = (t: Template, roleId: string, w: Where): ResolvedStatement[] => {
  const role = t.Resources[roleId];
  if (!role || role.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not a role of the template`);
  const policies = (role.Properties.Policies ?? []) as { PolicyDocument: { Statement: Props[] } }[];
  // Customer managed policies of the same template the role attaches (the generated rule policies).
  const managed = ((role.Properties.ManagedPolicyArns ?? []) as { Ref?: string }[]).map((r) => {
    const p = t.Resources[r.Ref ?? ''];
    if (p?.Type !== 'AWS::IAM::ManagedPolicy')
      throw new Error(`${roleId} attaches ${JSON.stringify(r)}: not a policy of the template`);
    return p.Properties as { PolicyDocument: { Statement: Props[] } };
  });
  return [...policies, ...managed]
    .flatMap((p) => p.PolicyDocument.Statement)
    .map((s) => {
      const r = resolveValue(t, s, w) as Props;
      return {
        Sid: r.Sid,
        Effect: r.Effect,
        Action: list(r.Action),
        Resource: list(r.Resource),
        Condition: r.Condition,
      };
    });
};

/** The role each function runs as: function key (serverless.yml) -> role logical id. */
export const functionRoles = (t: Template): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [id, r] of Object.entries(t.Resources)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const key = id.replace(/LambdaFunction$/, '');
    out[key.charAt(0).toLowerCase() + key.slice(1)] = (r.Properties.Role as { 'Fn::GetAtt': string[] })[
      'Fn::GetAtt'
    ][0] as string;
  }
  return out;
};

const grants = (
  statements: ResolvedStatement[],
  action: string,
  resource: string,
  exact: boolean,
): ResolvedStatement | undefined =>
  statements.find(
    (s) =>
      s.Effect === 'Allow' &&
      s.Action.some((a) => globMatch(a, action, true)) &&
      s.Resource.some((r) => (exact ? globMatch(r, resource) : globsIntersect(r, resource))),
  );

// Input members that name a resource of a type (so the type is one this request involves).
const MEMBER_TYPES: Record<string, Record<string, string>> = {
  rds: {
    DBInstanceIdentifier: 'db',
    SourceDBInstanceIdentifier: 'db',
    TargetDBInstanceIdentifier: 'db',
    SourceDBInstanceArn: 'db',
    DBClusterIdentifier: 'cluster',
    SourceDBClusterIdentifier: 'cluster',
    DBSnapshotIdentifier: 'snapshot',
    SourceDBSnapshotIdentifier: 'snapshot',
    TargetDBSnapshotIdentifier: 'snapshot',
    DBClusterSnapshotIdentifier: 'cluster-snapshot',
    SourceDBClusterSnapshotIdentifier: 'cluster-snapshot',
    TargetDBClusterSnapshotIdentifier: 'cluster-snapshot',
    DBParameterGroupName: 'pg',
    DBClusterParameterGroupName: 'cluster-pg',
    OptionGroupName: 'og',
    DBSubnetGroupName: 'subgrp',
    DBInstanceAutomatedBackupsArn: 'auto-backup',
    BlueGreenDeploymentIdentifier: 'deployment',
    'DeleteDBInstance.FinalDBSnapshotIdentifier': 'snapshot',
    'DeleteDBCluster.FinalSnapshotIdentifier': 'cluster-snapshot',
  },
  redshift: {
    ClusterIdentifier: 'cluster',
    SnapshotIdentifier: 'snapshot',
    ParameterGroupName: 'parametergroup',
    SnapshotCopyGrantName: 'snapshotcopygrant',
  },
};

/** The resource types (and the region/account they are in) a request involves, from its input. */
const involvedTypes = (prefix: string, operation: string, input: Props, w: Where): Map<string, Where> => {
  const out = new Map<string, Where>();
  const map = MEMBER_TYPES[prefix] ?? {};
  const formats = REFERENCE.services[prefix]?.resources ?? {};
  for (const [k, v] of Object.entries(input ?? {})) {
    if (v === undefined || v === null) continue;
    const type = map[`${operation}.${k}`] ?? map[k];
    const text = typeof v === 'string' ? v : '';
    const arn = /^arn:([^:]+):([^:]+):([^:]*):([^:]*):/.exec(text);
    if (arn) {
      // An ARN names its own type, region and account (a cross-region source, a member account).
      const found = Object.entries(formats).find(([, f]) =>
        globMatch(
          formatGlob(f, { partition: arn[1] as string, region: arn[3] as string, account: arn[4] as string }),
          text,
        ),
      );
      if (found) {
        out.set(found[0], { partition: arn[1] as string, region: arn[3] as string, account: arn[4] as string });
        continue;
      }
    }
    if (type) out.set(type, w);
  }
  return out;
};

/** An ARN format of the reference with the partition, region and account filled in and every name a wildcard. */
export const formatGlob = (format: string, w: Where): string =>
  format
    .replace(/\$\{Partition\}/g, w.partition)
    .replace(/\$\{Region\}/g, w.region)
    .replace(/\$\{Account\}/g, w.account)
    .replace(/\$\{[^}]+\}/g, '*');

export interface Refusal {
  action: string;
  resource: string;
  why: string;
}

/**
 * The checks AWS makes for one request, against a role's statements. `w` is where the request goes
 * (the client's region, the account it runs in). Empty when every check passes.
 */
export const authorize = (
  statements: ResolvedStatement[],
  client: string,
  operation: string,
  input: unknown,
  w: Where,
  opts: { anyRequiredType?: boolean } = {},
): Refusal[] => {
  const actions = actionsForOperation(client, operation);
  if (actions.length === 0)
    return [
      {
        action: `${client} ${operation}`,
        resource: '',
        why: 'no IAM action is known to authorize this operation: add it to DOCUMENTED_OPERATIONS with its AWS source',
      },
    ];
  const out: Refusal[] = [];
  for (const action of actions) {
    const facts = actionFacts(action);
    const prefix = action.split(':')[0] as string;
    if (!facts) {
      out.push({ action, resource: '', why: 'action not in the Service Authorization Reference' });
      continue;
    }
    const formats = REFERENCE.services[prefix]?.resources ?? {};
    const typed = facts.resources.filter((r) => r.types.length > 0);
    const required = typed.filter((r) => r.types.some((x) => x.endsWith('*')));
    const involved = involvedTypes(prefix, operation, input as Props, w);
    let entries: ResourceEntry[];
    if (required.length > 0) {
      const named = required.filter((r) => r.types.some((x) => involved.has(x.replace(/\*$/, ''))));
      entries = required.length === 1 ? required : named.length > 0 ? named : required;
      // Without a request (an operation found in the code), which of several required types it involves is unknown:
      // one granted is enough here; the recorded requests hold each request to the types it names.
      if (opts.anyRequiredType && named.length === 0 && required.length > 1) {
        entries = [
          required.find((r) =>
            grants(statements, action, formatGlob(formats[(r.types[0] as string).replace(/\*$/, '')] ?? '*', w), false),
          ) ?? (required[0] as ResourceEntry),
        ];
      }
    } else if (typed.length > 0) {
      // Alternatives (an object or an access-point object): the one this request uses, not an access point.
      const usual = typed.filter((r) => r.types.every((x) => !x.includes('accesspoint')));
      // Without a request, which alternative (iam:SimulatePrincipalPolicy: a group, role or user) is unknown: one
      // granted is enough.
      const granted = opts.anyRequiredType
        ? usual.find((r) => grants(statements, action, formatGlob(formats[r.types[0] as string] ?? '*', w), false))
        : undefined;
      // The alternative the request names (iam:SimulatePrincipalPolicy's PolicySourceArn: a role) is the one AWS
      // checks.
      const named = typed.find((r) => r.types.some((x) => involved.has(x)));
      entries = [named ?? granted ?? usual[0] ?? (typed[0] as ResourceEntry)];
    } else entries = [];
    if (entries.length === 0) {
      if (!grants(statements, action, '*', true))
        out.push({
          action,
          resource: '*',
          why: 'no Allow for this action on Resource "*" (it has no resource-level permissions)',
        });
    }
    for (const entry of entries) {
      const type = (entry.types.find((x) => involved.has(x.replace(/\*$/, ''))) ?? (entry.types[0] as string)).replace(
        /\*$/,
        '',
      );
      const where = involved.get(type) ?? w;
      const glob = formatGlob(formats[type] ?? '*', where);
      if (!grants(statements, action, glob, false))
        out.push({
          action,
          resource: glob,
          why: `no Allow for this action on a ${prefix} ${type} in ${where.region || 'any region'}/${where.account || 'any account'}`,
        });
      for (const dep of entry.dependent) {
        if (notNeeded(dep, action)) continue;
        if (!statements.some((s) => s.Effect === 'Allow' && s.Action.some((a) => globMatch(a, dep, true))))
          out.push({ action, resource: glob, why: `dependent action ${dep} is not granted` });
      }
    }
  }
  return out;
};
