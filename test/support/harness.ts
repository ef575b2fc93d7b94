import { RULES } from '../../shared/rules/registry';
import type { ResourceType } from '../../shared/rules/type-ids';
import { ClientFactory } from '../../shared/aws/clients';
import { CollectingAlertSink } from '../../shared/alerts/publisher';
import { KeyResolver } from '../../shared/kms/key-resolver';
import type { Log } from '../../shared/logger';
import type { PipelineDeps } from '../../shared/pipeline/context';
import { parsePolicy, type Policy } from '../../shared/policy/policy';
import { assertLoopback, type Emulator, startEmulator } from './moto';

export const ACCOUNT = '123456789012';

/** One emulator per test file (files run in parallel workers), reset by the caller when it needs a clean slate. */
export const useEmulator = (): { current: Emulator; clients: () => ClientFactory } => {
  const box = {} as { current: Emulator; clients: () => ClientFactory };
  let factory: ClientFactory | undefined;
  beforeAll(async () => {
    box.current = await startEmulator();
  });
  afterAll(async () => {
    await box.current?.stop();
  });
  box.clients = () => {
    factory ??= emulatorClients(box.current.endpoint);
    return factory;
  };
  return box;
};

/** Clients for SDK-mock tests: an endpoint nothing listens on, so an unmocked call fails at once instead of reaching anything. */
export const offlineClients = (): ClientFactory =>
  new ClientFactory({ endpoint: 'http://127.0.0.1:9', maxAttempts: 1, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

export const emulatorClients = (endpoint: string): ClientFactory =>
  new ClientFactory({ endpoint: assertLoopback(endpoint), maxAttempts: 1, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

export interface LogLine { level: string; message: string; extra: Record<string, unknown> }

export const recordingLog = (): Log & { lines: LogLine[] } => {
  const lines: LogLine[] = [];
  const at = (level: string) => (message: string, ...extra: Record<string, unknown>[]) => { lines.push({ level, message, extra: Object.assign({}, ...extra) }); };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
};

/** The waiver id the tests' exempt resources are tagged with (the tag alone no longer exempts: shared/waivers/). */
export const TEST_WAIVER = 'TEST-EXEMPT';

/** The clock of testDeps. */
export const TEST_NOW = Date.parse('2026-11-27T10:00:00Z');

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** A waiver approved on the test clock's day, expiring `days` later (negative: approved a year ago, expired `-days` ago). */
export const testWaiver = (resources: string[], id = TEST_WAIVER, days = 30, checks: string[] = ['*']): Record<string, unknown> => {
  const now = TEST_NOW;
  const expires = new Date(now + days * 86_400_000);
  const approvedOn = days >= 0 ? new Date(now) : new Date(expires.getTime() - 300 * 86_400_000);
  return { id, resources, checks, reason: 'test', owner: 'tests@example.com', approval: 'TEST-1', approvedOn: isoDay(approvedOn), expires: isoDay(expires) };
};

/** The resources the tests treat as exempt, by name: each carries the exemption tag with TEST_WAIVER. */
const TEST_WAIVERS = [testWaiver(['arn:aws:s3:::exempt', 'arn:aws:s3:::exempt-*', 'arn:aws:s3:::aud-exempt', 'arn:aws:rds:*:*:snapshot:legal'])];

export const testPolicy = (overrides: Record<string, unknown> = {}): Policy =>
  parsePolicy({ cmk: { alias: 'alias/data-platform' }, regions: ['us-east-1', 'eu-west-1'], mode: 'remediate', waivers: TEST_WAIVERS, ...overrides }, 'test-policy');

let onlyTypes: readonly ResourceType[] | undefined;

/**
 * Narrow the rules events reach, for the rest of this test file (jest gives each file its own
 * module registry): a file about one rule then sees only that rule's outcomes and alerts,
 * though several rules answer the same CloudTrail call.
 */
export const onlyRules = (...types: ResourceType[]): void => {
  onlyTypes = types;
};

export const testDeps = (clients: ClientFactory, overrides: Partial<PipelineDeps> = {}): PipelineDeps & { alerts: CollectingAlertSink; log: ReturnType<typeof recordingLog> } => {
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
