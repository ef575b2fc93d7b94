import { RULES } from '../../shared/rules/registry';
import type { ResourceType } from '../../shared/rules/type-ids';
import { ClientFactory } from '../../shared/aws/clients';
import { CollectingAlertSink } from '../../shared/alerts/publisher';
import { KeyResolver } from '../../shared/kms/key-resolver';
import type { Log } from '../../shared/logger';
import type { PipelineDeps } from '../../shared/pipeline/context';
import { parsePolicy, type Policy } from '../../shared/policy/policy';
import { assertLoopback, type Emulator, startEmulator, workerEmulator } from '../../testbed/moto';
import { enforceIam, type IamBed, relaxIam } from './moto-iam';
import type { FunctionKey } from '../../testbed/requests';

export const ACCOUNT = '123456789012';

// With IAM enforced, the clients the production code gets from testDeps: the role of the function it runs as.
const roleClientsOf = new WeakMap<ClientFactory, (fn: FunctionKey) => ClientFactory>();

export interface EmulatorBox {
  current: Emulator;
  /** The test's own clients (with `iam`, an admin user of the emulator). */
  clients: () => ClientFactory;
  /** Clients as the function `fn` runs (with `iam`, its packaged role's assumed credentials; otherwise `clients()`). */
  as: (fn: FunctionKey) => ClientFactory;
  /** With `iam`: the role credentials of `fn`, for handlers that take theirs from the environment as on Lambda. */
  credentials?: (fn: FunctionKey) => { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** With `iam` and `members`: a member account's own admin, for the test's setup there. */
  adminIn?: (account: string) => ClientFactory;
}

/**
 * The worker's emulator (one per jest worker, shared by the files it runs: testbed/moto.ts), reset for each
 * file; the file resets it again when it needs a clean slate.
 * `iam: true` turns moto's IAM enforcement on with the packaged stack's roles (test/support/moto-iam.ts):
 * testDeps(emu.clients()) then runs the production code as its function's role, and a request moto refuses fails;
 * `members` are accounts given the member role (README.md#member-account-role); `env`, the server's extra
 * environment (e.g. EMULATOR_STS_ROLES_MUST_EXIST=1, testbed/emulator/sts_ext.py).
 */
export const useEmulator = (
  options: { iam?: boolean; members?: readonly string[]; env?: Record<string, string> } = {},
): EmulatorBox => {
  const box = {} as EmulatorBox;
  let factory: ClientFactory | undefined;
  let bed: IamBed | undefined;
  const enforce = async () => {
    bed = await enforceIam(box.current.endpoint, undefined, options.members ?? []);
    const b = bed;
    roleClientsOf.set(b.admin, (fn) => b.as(fn));
    box.credentials = (fn) =>
      b.credentials(fn) as { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    box.adminIn = (account) => b.adminIn(account);
  };
  beforeAll(async () => {
    // A file that needs the server started with its own environment gets an emulator of its own (stopped after it);
    // the others share the worker's, which served other files before: a clean slate, with IAM enforcement off.
    box.current = options.env ? await startEmulator({ env: options.env }) : await workerEmulator();
    await relaxIam(box.current.endpoint);
    await box.current.reset();
    if (options.iam) {
      await enforce();
      const reset = box.current.reset.bind(box.current);
      // A reset wipes the users and roles too: relax, wipe, set them up again.
      box.current.reset = async () => {
        await relaxIam(box.current.endpoint);
        await reset();
        await enforce();
      };
    }
  }, 60_000);
  afterAll(async () => {
    if (!box.current) return;
    if (options.iam) await relaxIam(box.current.endpoint);
    await box.current.stop();
  });
  box.clients = () => {
    if (bed) return bed.admin;
    factory ??= emulatorClients(box.current.endpoint);
    return factory;
  };
  box.as = (fn) => (bed ? bed.as(fn) : box.clients());
  return box;
};

/** Clients for SDK-mock tests: an endpoint nothing listens on, so an unmocked call fails at once instead of reaching
 * anything. */
export const offlineClients = (): ClientFactory =>
  new ClientFactory({
    endpoint: 'http://127.0.0.1:9',
    maxAttempts: 1,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });

/** A fresh factory for the emulator (its own client cache), with dummy credentials or, under IAM enforcement, a role's.
 * */
export const emulatorClients = (
  endpoint: string,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = {
    accessKeyId: 'testing',
    secretAccessKey: 'testing',
  },
): ClientFactory => new ClientFactory({ endpoint: assertLoopback(endpoint), maxAttempts: 1, credentials });

export interface LogLine {
  level: string;
  message: string;
  extra: Record<string, unknown>;
}

export const recordingLog = (): Log & { lines: LogLine[] } => {
  const lines: LogLine[] = [];
  const at =
    (level: string) =>
    (message: string, ...extra: Record<string, unknown>[]) => {
      lines.push({ level, message, extra: Object.assign({}, ...extra) });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
};

/** The waiver id the tests' exempt resources are tagged with (the tag alone no longer exempts: shared/waivers/). */
export const TEST_WAIVER = 'TEST-EXEMPT';

/** The clock of testDeps. */
export const TEST_NOW = Date.parse('2026-11-27T10:00:00Z');

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** A waiver approved on the test clock's day, expiring `days` later (negative: approved a year ago, expired `-days`
 * ago). */
export const testWaiver = (
  resources: string[],
  id = TEST_WAIVER,
  days = 30,
  checks: string[] = ['*'],
): Record<string, unknown> => {
  const now = TEST_NOW;
  const expires = new Date(now + days * 86_400_000);
  const approvedOn = days >= 0 ? new Date(now) : new Date(expires.getTime() - 300 * 86_400_000);
  return {
    id,
    resources,
    checks,
    reason: 'test',
    owner: 'tests@example.com',
    approval: 'TEST-1',
    approvedOn: isoDay(approvedOn),
    expires: isoDay(expires),
  };
};

/** The resources the tests treat as exempt, by name: each carries the exemption tag with TEST_WAIVER. */
const TEST_WAIVERS = [
  testWaiver([
    'arn:aws:s3:::exempt',
    'arn:aws:s3:::exempt-*',
    'arn:aws:s3:::aud-exempt',
    'arn:aws:rds:*:*:snapshot:legal',
    'arn:aws:firehose:*:*:deliverystream/legacy',
    'arn:aws:logs:*:*:log-group:/data-platform/legacy',
    'arn:aws:athena:*:*:workgroup/sandbox',
    'arn:aws:dynamodb:*:*:table/legal-hold',
    'arn:aws:kinesis:*:*:stream/legacy-feed',
  ]),
];

export const testPolicy = (overrides: Record<string, unknown> = {}): Policy =>
  parsePolicy(
    {
      cmk: { alias: 'alias/data-platform' },
      regions: ['us-east-1', 'eu-west-1'],
      mode: 'remediate',
      waivers: TEST_WAIVERS,
      ...overrides,
    },
    'test-policy',
  );

let onlyTypes: readonly ResourceType[] | undefined;

/**
 * Narrow the rules events reach, for the rest of this test file (jest gives each file its own
 * module registry): a file about one rule then sees only that rule's outcomes and alerts,
 * though several rules answer the same CloudTrail call.
 */
export const onlyRules = (...types: ResourceType[]): void => {
  onlyTypes = types;
};

export const testDeps = (
  setupClients: ClientFactory,
  overrides: Partial<PipelineDeps> = {},
  as: FunctionKey = 'onChange',
): PipelineDeps & { alerts: CollectingAlertSink; log: ReturnType<typeof recordingLog> } => {
  // Under IAM enforcement the code runs as its function's role, not as the test's admin.
  const clients = roleClientsOf.get(setupClients)?.(as) ?? setupClients;
  const policy = overrides.policy ?? testPolicy();
  const rules = onlyTypes ? RULES.filter((r) => onlyTypes?.includes(r.type)) : undefined;
  return {
    clients,
    policy,
    rules,
    keys: overrides.keys ?? new KeyResolver(clients, policy),
    alerts: new CollectingAlertSink(),
    log: recordingLog(),
    now: () => new Date(TEST_NOW),
    homeAccount: ACCOUNT,
    ...overrides,
  } as PipelineDeps & { alerts: CollectingAlertSink; log: ReturnType<typeof recordingLog> };
};
