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

export const testPolicy = (overrides: Record<string, unknown> = {}): Policy =>
  parsePolicy({ cmk: { alias: 'alias/data-platform' }, regions: ['us-east-1', 'eu-west-1'], mode: 'remediate', ...overrides }, 'test-policy');

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
    now: () => new Date('2026-11-27T10:00:00Z'),
    homeAccount: ACCOUNT,
    ...overrides,
  } as PipelineDeps & { alerts: CollectingAlertSink; log: ReturnType<typeof recordingLog> };
};
