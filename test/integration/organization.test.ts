import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { CreateBucketCommand, GetBucketEncryptionCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountDirectory } from '../../shared/accounts/directory';
import { CollectingAlertSink } from '../../shared/alerts/publisher';
import type { AwsScope, ClientFactory } from '../../shared/aws/clients';
import { FileSweepStore } from '../../shared/backfill/file-store';
import { Pacer } from '../../shared/backfill/pacing';
import { backfill } from '../../shared/backfill/run';
import type { ResultRow } from '../../shared/backfill/store';
import type { PipelineDeps } from '../../shared/pipeline/context';
import { processEvent } from '../../shared/pipeline/process';
import { cloudTrailEvent, createKey } from '../../testbed/estates/estate';
import { ACCOUNT, emulatorClients, onlyRules, testDeps, testPolicy, useEmulator } from '../support/harness';

/**
 * One deployment for an organization, on the emulator: the central account (ACCOUNT, the organization's management
 * account) and members made with Organizations CreateAccount. Member A has the member role and its own CMK under the
 * policy's alias; member B has the role and a CMK the policy pins under cmk.accounts; member N is in the organization
 * but has no role; S is closed (SUSPENDED). The emulator refuses AssumeRole into a role that does not exist
 * (EMULATOR_STS_ROLES_MUST_EXIST, testbed/emulator/sts_ext.py), as AWS does. Events "forwarded from a member bus" are
 * EventBridge events whose `account` is the member's.
 */
const R = 'us-east-1';
const ROLE = 'cmk-sentinel-member';
const OUTSIDE = '999999999999';
const emu = useEmulator({ env: { EMULATOR_STS_ROLES_MUST_EXIST: '1' } });
onlyRules('s3-bucket');

let clients: ClientFactory;
let A: string;
let B: string;
let N: string;
let S: string;
let dataOu: string;
let homeCmk: string;
let aCmk: string;
let bCmk: string;

const scopeIn = (account: string): AwsScope => ({
  region: R,
  account,
  roleArn: `arn:aws:iam::${account}:role/${ROLE}`,
});

/** A setup client acting as an account's own admin (moto's x-moto-account-id), for what exists before any role. */
const asAccount = <C extends { middlewareStack: { add: (...a: never[]) => void } }>(
  Ctor: new (cfg: Record<string, unknown>) => C,
  account: string,
): C => {
  const c = new Ctor({
    endpoint: emu.current.endpoint,
    region: R,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    forcePathStyle: true,
    maxAttempts: 1,
  });
  (c.middlewareStack.add as (mw: unknown, o: unknown) => void)(
    (next: (a: { request: { headers: Record<string, string> } }) => unknown) =>
      (args: { request: { headers: Record<string, string> } }) => {
        args.request.headers['x-moto-account-id'] = account;
        return next(args);
      },
    { step: 'build', name: 'motoAccount' },
  );
  return c;
};

const giveRole = (account: string) =>
  asAccount(IAMClient, account).send(
    new CreateRoleCommand({
      RoleName: ROLE,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }],
      }),
    }),
  );

const newAccount = async (org: OrganizationsClient, name: string): Promise<string> =>
  (await org.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }))).CreateAccountStatus
    ?.AccountId as string;

const policy = (extra: Record<string, unknown> = {}) =>
  testPolicy({
    regions: [R],
    cmk: { alias: 'alias/data-platform', keys: { [R]: homeCmk }, accounts: { [B]: { keys: { [R]: bCmk } } } },
    accounts: { organization: true, roleName: ROLE, ...extra },
  });

const sweep = async (deps: PipelineDeps, req: { accounts?: string[] } = {}): Promise<ResultRow[]> => {
  const dir = mkdtempSync(join(tmpdir(), 'org-sweep-'));
  const result = await backfill(
    { types: ['s3-bucket'], ...req },
    {
      deps,
      pacer: new Pacer(),
      store: new FileSweepStore(dir),
      reportFile: join(dir, 'r.json'),
      summarySink: new CollectingAlertSink(),
    },
  );
  const rows: ResultRow[] = [];
  for await (const r of new FileSweepStore(dir).results(result.sweepId)) rows.push(r);
  (rows as ResultRow[] & { unitErrors?: unknown }).unitErrors = result.unitErrors;
  return rows;
};

const createdBucket = (account: string, bucket: string) =>
  cloudTrailEvent({
    source: 'aws.s3',
    eventSource: 's3.amazonaws.com',
    eventName: 'CreateBucket',
    region: R,
    account,
    requestParameters: { bucketName: bucket },
  });

const encryptionKey = async (s3: S3Client, bucket: string) =>
  (await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }))).ServerSideEncryptionConfiguration?.Rules?.[0]
    ?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID;

beforeEach(async () => {
  await emu.current.reset();
  clients = emulatorClients(emu.current.endpoint);
  const org = clients.get(OrganizationsClient, { region: R });
  await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  [A, B, N, S] = [
    await newAccount(org, 'a'),
    await newAccount(org, 'b'),
    await newAccount(org, 'n'),
    await newAccount(org, 's'),
  ];
  const root = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id as string;
  dataOu = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'data' }))).OrganizationalUnit
    ?.Id as string;
  const nested = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: dataOu, Name: 'analytics' })))
    .OrganizationalUnit?.Id as string;
  await org.send(new MoveAccountCommand({ AccountId: A, SourceParentId: root, DestinationParentId: dataOu }));
  await org.send(new MoveAccountCommand({ AccountId: B, SourceParentId: root, DestinationParentId: nested }));
  await org.send(new CloseAccountCommand({ AccountId: S }));
  await giveRole(A);
  await giveRole(B);
  await giveRole(S);
  homeCmk = (await createKey(clients, R, 'alias/data-platform', 'home CMK')).arn;
  // A's CMK carries the same alias in A; B's has none: the policy pins it under cmk.accounts.
  const aKms = clients.get(KMSClient, scopeIn(A));
  aCmk = (await aKms.send(new CreateKeyCommand({ Description: 'A CMK' }))).KeyMetadata?.Arn as string;
  const { CreateAliasCommand } = await import('@aws-sdk/client-kms');
  await aKms.send(new CreateAliasCommand({ AliasName: 'alias/data-platform', TargetKeyId: aCmk }));
  bCmk = (await clients.get(KMSClient, scopeIn(B)).send(new CreateKeyCommand({ Description: 'B CMK' }))).KeyMetadata
    ?.Arn as string;
  for (const [arn, account] of [
    [aCmk, A],
    [bCmk, B],
    [homeCmk, ACCOUNT],
  ] as const)
    expect(arn).toContain(`:${account}:`);
});

describe('accounts from the organization', () => {
  it('lists the ACTIVE accounts (not the closed one), or those under the OUs and the OUs below them, minus exclude', async () => {
    const all = new AccountDirectory(clients, policy());
    expect(await all.members(ACCOUNT)).toEqual([A, B, N].sort());
    const ous = new AccountDirectory(clients, policy({ ous: [dataOu] }));
    expect(await ous.members(ACCOUNT)).toEqual([A, B].sort());
    const excluded = new AccountDirectory(clients, policy({ ous: [dataOu], exclude: [B] }));
    expect(await excluded.members(ACCOUNT)).toEqual([A]);
    expect(await excluded.covers(B, ACCOUNT)).toEqual({
      covered: false,
      reason: `account ${B} is in accounts.exclude`,
    });
    expect((await excluded.covers(N, ACCOUNT)).reason).toContain(`nor an ACTIVE account under ${dataOu}`);
  });
});

describe('forwarded events: each in its own account, with its own CMK', () => {
  it("re-keys member A's bucket to A's CMK (the alias resolved in A) and B's to the key cmk.accounts pins", async () => {
    await clients.get(S3Client, scopeIn(A)).send(new CreateBucketCommand({ Bucket: 'a-data' }));
    await clients.get(S3Client, scopeIn(B)).send(new CreateBucketCommand({ Bucket: 'b-data' }));
    const deps = testDeps(clients, { policy: policy() });
    const [ra, rb] = [
      await processEvent(createdBucket(A, 'a-data'), deps),
      await processEvent(createdBucket(B, 'b-data'), deps),
    ];
    expect(ra.outcomes.map((o) => [o.ref.account, o.result, o.expectedKey])).toEqual([[A, 'VERIFIED', aCmk]]);
    expect(rb.outcomes.map((o) => [o.ref.account, o.result, o.expectedKey])).toEqual([[B, 'VERIFIED', bCmk]]);
    expect(await encryptionKey(clients.get(S3Client, scopeIn(A)), 'a-data')).toBe(aCmk);
    expect(await encryptionKey(clients.get(S3Client, scopeIn(B)), 'b-data')).toBe(bCmk);
    // Never the central key, which cmk.keys names for the home account only.
    expect([ra, rb].flatMap((r) => r.outcomes.map((o) => o.expectedKey))).not.toContain(homeCmk);
  });

  it('a member the policy names no key for fails KEY_NOT_FOUND naming the account, never the central key', async () => {
    await clients.get(S3Client, scopeIn(B)).send(new CreateBucketCommand({ Bucket: 'b-data' }));
    const noAlias = testPolicy({
      regions: [R],
      cmk: { keys: { [R]: homeCmk } },
      accounts: { organization: true, roleName: ROLE },
    });
    const res = await processEvent(createdBucket(B, 'b-data'), testDeps(clients, { policy: noAlias }));
    expect(res.outcomes[0]).toMatchObject({ status: 'ERROR', error: { code: 'KEY_NOT_FOUND' } });
    expect(res.outcomes[0]?.error?.message).toContain(`account ${B}`);
    await expect(
      clients.get(S3Client, scopeIn(B)).send(new GetBucketEncryptionCommand({ Bucket: 'b-data' })),
    ).rejects.toThrow();
  });

  it('ignores an event of an account outside the organization, and one of an excluded member, with one alert each', async () => {
    await asAccount(S3Client, OUTSIDE).send(new CreateBucketCommand({ Bucket: 'x-data' }));
    await clients.get(S3Client, scopeIn(B)).send(new CreateBucketCommand({ Bucket: 'b-data' }));
    const deps = testDeps(clients, { policy: policy({ exclude: [B] }) });
    const outside = await processEvent(createdBucket(OUTSIDE, 'x-data'), deps);
    const excluded = await processEvent(createdBucket(B, 'b-data'), deps);
    expect([outside, excluded].map((r) => [r.kind, r.reason, r.outcomes.length])).toEqual([
      ['ignored', 'OUTSIDE_POLICY_ACCOUNTS', 0],
      ['ignored', 'OUTSIDE_POLICY_ACCOUNTS', 0],
    ]);
    expect(outside.message).toContain(
      `account ${OUTSIDE} is neither the service's own (${ACCOUNT}), nor in accounts.ids, nor an ACTIVE account of the organization`,
    );
    expect(deps.alerts.alerts.map((a) => [a.reason, a.resource.account, a.severity])).toEqual([
      ['OUTSIDE_POLICY_ACCOUNTS', OUTSIDE, 'MEDIUM'],
      ['OUTSIDE_POLICY_ACCOUNTS', B, 'MEDIUM'],
    ]);
    // Nothing was done, in that account or under its name in the home account.
    await expect(
      asAccount(S3Client, OUTSIDE).send(new GetBucketEncryptionCommand({ Bucket: 'x-data' })),
    ).rejects.toThrow();
    await expect(
      clients.get(S3Client, scopeIn(B)).send(new GetBucketEncryptionCommand({ Bucket: 'b-data' })),
    ).rejects.toThrow();
  });

  it('reports an event of a member without the role as an AccessDenied error (not a crash, not a success)', async () => {
    const deps = testDeps(clients, { policy: policy() });
    const res = await processEvent(createdBucket(N, 'n-data'), deps);
    expect(res.kind).toBe('resources');
    expect(res.outcomes[0]).toMatchObject({ ref: { account: N }, status: 'ERROR', result: 'FAILED' });
    expect(res.outcomes[0]?.error?.code).toBe('ACCESS_DENIED');
    expect(deps.alerts.alerts.map((a) => [a.resource.account, a.status])).toEqual([[N, 'ERROR']]);
  });
});

describe('a sweep over the organization', () => {
  it('sweeps the home account and every ACTIVE member, each with its own CMK, and reports the member without the role', async () => {
    await clients.get(S3Client, { region: R }).send(new CreateBucketCommand({ Bucket: 'home-data' }));
    await clients.get(S3Client, scopeIn(A)).send(new CreateBucketCommand({ Bucket: 'a-data' }));
    await clients.get(S3Client, scopeIn(B)).send(new CreateBucketCommand({ Bucket: 'b-data' }));
    const rows = await sweep(testDeps(clients, { policy: policy() }));
    expect(rows.map((r) => `${r.unit} ${r.id} ${r.result} ${r.expectedKey}`).sort()).toEqual(
      [
        `${ACCOUNT}/${R}/s3-bucket home-data VERIFIED ${homeCmk}`,
        `${A}/${R}/s3-bucket a-data VERIFIED ${aCmk}`,
        `${B}/${R}/s3-bucket b-data VERIFIED ${bCmk}`,
      ].sort(),
    );
    const unitErrors = (rows as ResultRow[] & { unitErrors?: { unit: string; error: string }[] }).unitErrors ?? [];
    // N has no role: its unit is reported with the refusal; S (closed) is not swept at all.
    expect(unitErrors.map((u) => u.unit)).toEqual([`${N}/${R}/s3-bucket`]);
    expect(unitErrors[0]?.error).toMatch(/ACCESS_DENIED/);
    expect(JSON.stringify(unitErrors)).not.toContain(S);
  });

  it('refuses a sweep of an account the organization does not cover', async () => {
    await expect(sweep(testDeps(clients, { policy: policy() }), { accounts: [OUTSIDE] })).rejects.toThrow(
      /not in policy.accounts.ids \(nor the organization's covered ACTIVE accounts/,
    );
    await expect(sweep(testDeps(clients, { policy: policy() }), { accounts: [S] })).rejects.toThrow(/not in policy/);
  });
});
