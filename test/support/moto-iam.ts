import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { join } from 'node:path';
import { memberStack } from '../../scripts/deploy/write';
import { ClientFactory } from '../../shared/aws/clients';
import { loadPolicyFile } from '../../shared/policy/policy';
import { actionFacts, functionRoles, resolveValue, roleStatements } from '../../testbed/iam-authorize';
import { assertLoopback } from '../../testbed/moto';
import { PACKAGE_REGION, packagedTemplate, type Template } from '../../testbed/packaged';
import type { FunctionKey } from '../../testbed/requests';

/**
 * moto's IAM enforcement for an integration suite (moto/core/authorization.py, moto/iam/access_control.py):
 * the packaged stack's roles are created in the emulator from the statements `serverless package` produced,
 * each function's code runs with its role's credentials assumed through STS (as on Lambda), and the test's
 * own setup runs as an admin user. Then `POST /moto-api/reset-auth 0` turns enforcement on: from the next
 * request, moto refuses what the caller's policies do not allow.
 *
 * Where moto is coarser than AWS, and what the static check (test/unit/deployment/iam.test.ts and the request
 * audit every suite runs) covers instead:
 * - Outside S3, moto authorizes every request against the resource `*` with the operation's name as the action:
 *   the moto copy of a role grants its non-S3 actions on `*` (resource scoping is not checked by moto).
 * - moto's S3 names some actions after its own ACTION_MAP (moto/s3/responses.py: GET ?encryption is checked as
 *   s3:ListBucket, PUT ?encryption as s3:CreateBucket, ...): the moto copy adds moto's name beside IAM's, in the
 *   same statement, so S3 resource scoping (bucket/object ARNs) is still moto's to check.
 * - Conditions (kms:ResourceAliases, kms:ViaService, iam:PassedToService) and Deny statements are left out: moto
 *   evaluates few conditions, and a Deny on `*` would stand for a Deny on one table.
 */

const ACCOUNT = '123456789012';

// moto 5.2.1's S3 action for each IAM action whose operations moto names differently (moto/s3/responses.py ACTION_MAP,
// where the query string keys `encryption`, `publicAccessBlock`, `replication`, `ownershipControls` are not listed).
const MOTO_S3_ALIASES: Record<string, string[]> = {
  's3:GetEncryptionConfiguration': ['s3:ListBucket'],
  's3:PutEncryptionConfiguration': ['s3:CreateBucket'],
  's3:GetBucketPublicAccessBlock': ['s3:ListBucket'],
  's3:PutBucketPublicAccessBlock': ['s3:CreateBucket'],
  's3:GetReplicationConfiguration': ['s3:ListBucket'],
  's3:PutReplicationConfiguration': ['s3:CreateBucket'],
  's3:ListAllMyBuckets': ['s3:ListAllMyBuckets'],
};

type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: unknown;
};
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

/** A role's statements as moto can evaluate them (see above). */
export const motoStatements = (statements: Statement[]): Statement[] =>
  statements
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) => {
      const actions = list(s.Action);
      const s3 = actions.filter((a) => a.startsWith('s3:'));
      const other = actions.filter((a) => !a.startsWith('s3:'));
      const out: Statement[] = [];
      if (s3.length > 0) {
        const action = [...new Set([...s3, ...s3.flatMap((a) => MOTO_S3_ALIASES[a] ?? [])])];
        // moto's policy validator refuses a regional S3 ARN other than an access point's
        // (moto/iam/policy_validation.py:
        // "can not contain region information"), though IAM takes S3 Control's job ARNs
        // (arn:...:s3:<region>:<account>:job/<id>
        // in the reference): the moto copy grants those on `*`, as it does outside S3; the static check holds the ARNs.
        const regional = (r: string) =>
          /^arn:[^:]+:s3:[^:]+:/.test(r) && !/^arn:[^:]+:s3:[^:]+:[^:]*:accesspoint\//.test(r);
        const resources = list(s.Resource);
        const kept = resources.filter((r) => !regional(r));
        if (kept.length > 0)
          out.push({ Effect: 'Allow', Action: action, Resource: kept.length === resources.length ? s.Resource : kept });
        if (kept.length < resources.length) out.push({ Effect: 'Allow', Action: action, Resource: '*' });
      }
      // moto's own operation names: for these services they are the IAM action names (checked: every action exists in
      // the reference).
      // A statement none of whose actions the reference knows is left out: IAM refuses a statement without actions
      // (MalformedPolicyDocument "Policy statement must contain actions"); the static check reports unknown actions.
      const known = other.filter((a) => actionFacts(a));
      if (known.length > 0) out.push({ Effect: 'Allow', Action: known, Resource: '*' });
      return out;
    });

export interface IamBed {
  /** The test's own setup: an admin user of the emulator. */
  admin: ClientFactory;
  /** The setup clients of a member account (its own admin user). */
  adminIn(account: string): ClientFactory;
  /** Clients with the credentials of `fn`'s role, assumed through STS. */
  as(fn: FunctionKey): ClientFactory;
  credentials(fn: FunctionKey): AwsCredentialIdentity;
}

const factory = (endpoint: string, credentials: AwsCredentialIdentity) =>
  new ClientFactory({ endpoint: assertLoopback(endpoint), maxAttempts: 1, credentials });

/**
 * The member role's permissions as the member template the build generates creates them (scripts/deploy/), with
 * the template's defaults (the policy's alias, batch role and regions).
 */
const memberStatements = (w: { partition: string; region: string; account: string }): Statement[] => {
  const member = memberStack(loadPolicyFile(join(__dirname, '..', '..', 'policy.yaml')).doc) as unknown as Template;
  return motoStatements(roleStatements(member, 'MemberRole', w) as unknown as Statement[]);
};

/** An IAM client of the emulator acting in `account` (moto: the x-moto-account-id header). */
const iamIn = (cfg: Record<string, unknown>, account: string): IAMClient => {
  const c = new IAMClient(cfg);
  c.middlewareStack.add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-moto-account-id'] = account;
      return next(args);
    },
    { step: 'build', name: 'motoAccount' },
  );
  return c;
};

/**
 * Create the admin user and the stack's roles, assume them, then turn enforcement on. `members`: accounts in
 * which to create the policy's member role (`memberRoleName`), with the README's permissions.
 */
export const enforceIam = async (
  endpoint: string,
  template: Template = packagedTemplate(),
  members: readonly string[] = [],
  memberRoleName = 'cmk-sentinel-member',
): Promise<IamBed> => {
  const boot = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  const cfg = { endpoint: assertLoopback(endpoint), region: PACKAGE_REGION, credentials: boot, maxAttempts: 1 };
  const iam = new IAMClient(cfg);
  await iam.send(new CreateUserCommand({ UserName: 'test-admin' }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'test-admin',
      PolicyName: 'admin',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
      }),
    }),
  );
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'test-admin' }))).AccessKey;
  const admin = { accessKeyId: key?.AccessKeyId as string, secretAccessKey: key?.SecretAccessKey as string };
  const w = { partition: 'aws', region: PACKAGE_REGION, account: ACCOUNT };
  const creds = new Map<FunctionKey, AwsCredentialIdentity>();
  const sts = new STSClient({ ...cfg, credentials: admin });
  for (const [fn, roleId] of Object.entries(functionRoles(template)) as [FunctionKey, string][]) {
    const role = resolveValue(template, template.Resources[roleId]?.Properties, w) as {
      RoleName: string;
      Policies: { PolicyName: string; PolicyDocument: { Statement: Statement[] } }[];
    };
    const trust = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/test-admin` }, Action: 'sts:AssumeRole' },
      ],
    };
    const created = await iam.send(
      new CreateRoleCommand({ RoleName: role.RoleName, AssumeRolePolicyDocument: JSON.stringify(trust) }),
    );
    // The customer managed policies of the template it attaches (the generated rule policies), put inline here.
    const managed = ((template.Resources[roleId]?.Properties.ManagedPolicyArns ?? []) as { Ref: string }[]).map(
      (r) => ({
        PolicyName: r.Ref,
        PolicyDocument: (
          resolveValue(template, template.Resources[r.Ref]?.Properties, w) as {
            PolicyDocument: { Statement: Statement[] };
          }
        ).PolicyDocument,
      }),
    );
    for (const p of [...(role.Policies ?? []), ...managed]) {
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: role.RoleName,
          PolicyName: p.PolicyName,
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: motoStatements(p.PolicyDocument.Statement),
          }),
        }),
      );
    }
    const c = (await sts.send(new AssumeRoleCommand({ RoleArn: created.Role?.Arn, RoleSessionName: fn }))).Credentials;
    creds.set(fn, {
      accessKeyId: c?.AccessKeyId as string,
      secretAccessKey: c?.SecretAccessKey as string,
      sessionToken: c?.SessionToken,
    });
  }
  const memberAdmins = new Map<string, AwsCredentialIdentity>();
  for (const member of members) {
    const mi = iamIn(cfg, member);
    await mi.send(new CreateUserCommand({ UserName: 'test-admin' }));
    await mi.send(
      new PutUserPolicyCommand({
        UserName: 'test-admin',
        PolicyName: 'admin',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
        }),
      }),
    );
    const k = (await mi.send(new CreateAccessKeyCommand({ UserName: 'test-admin' }))).AccessKey;
    memberAdmins.set(member, { accessKeyId: k?.AccessKeyId as string, secretAccessKey: k?.SecretAccessKey as string });
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }],
    };
    await mi.send(new CreateRoleCommand({ RoleName: memberRoleName, AssumeRolePolicyDocument: JSON.stringify(trust) }));
    await mi.send(
      new PutRolePolicyCommand({
        RoleName: memberRoleName,
        PolicyName: 'member',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: memberStatements({ ...w, account: member }),
        }),
      }),
    );
  }
  const res = await fetch(`${endpoint}/moto-api/reset-auth`, { method: 'POST', body: '0' });
  if (!res.ok) throw new Error(`moto did not turn IAM enforcement on: ${res.status}`);
  const factories = new Map<FunctionKey, ClientFactory>();
  const credentials = (fn: FunctionKey): AwsCredentialIdentity => {
    const c = creds.get(fn);
    if (!c) throw new Error(`no role for ${fn} in the packaged template`);
    return c;
  };
  return {
    admin: factory(endpoint, admin),
    adminIn(account) {
      const c = memberAdmins.get(account);
      if (!c) throw new Error(`${account} is not a member account of this emulator`);
      return factory(endpoint, c);
    },
    as(fn) {
      let f = factories.get(fn);
      if (!f) {
        f = factory(endpoint, credentials(fn));
        factories.set(fn, f);
      }
      return f;
    },
    credentials,
  };
};

/** Turn enforcement off again (before a reset wipes the users and roles it depends on). */
export const relaxIam = async (endpoint: string): Promise<void> => {
  await fetch(`${endpoint}/moto-api/reset-auth`, { method: 'POST', body: 'inf' });
};
