import fc from 'fast-check';
import { makeOnChange } from '../../../functions/on-change/handler';
import { ClientFactory } from '../../../shared/aws/clients';
import { SentinelError } from '../../../shared/errors';
import { normalise } from '../../../shared/events/normalise';
import { RULES } from '../../../shared/rules/registry';
import { TAMPER_TRIGGERS } from '../../../shared/tamper/tamper';
import { recordingLog, testDeps, testPolicy } from '../../support/harness';
import { hostileValue, mutated, pathsOf, withoutPath } from '../../support/mutate';
import { eventSamples, fixtureSamples } from '../../support/samples';
import { budget } from '../../support/depth';

/**
 * Bad input through the normaliser and the handler, with an SDK-free pipeline: every
 * AWS call is answered "not found" (as if each named resource were gone), so any
 * write attempted is a bug. Each event must give no untyped exception, no write, and
 * exactly one structured log line per outcome (one for an event with none).
 */
const READ = /^(Describe|List|Get|Head)/;
const gone = () => Object.assign(new Error('not found'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });

class StubClients extends ClientFactory {
  readonly calls: string[] = [];
  constructor() {
    super({ maxAttempts: 1 });
  }
  override get<C>(): C {
    const send = async (cmd: object) => {
      this.calls.push(cmd.constructor.name.replace(/Command$/, ''));
      throw gone();
    };
    return { send, config: {}, middlewareStack: {} } as C;
  }
}

const SECRET = 'Sup3r-S3cret-Value';
const clients = new StubClients();
const log = recordingLog();
const deps = testDeps(clients, { log, policy: testPolicy({ mode: 'remediate' }) });
const onChange = makeOnChange(() => deps);
const stats = { events: 0, resources: 0, ignored: 0, invalid: 0, tamper: 0, writes: 0 };

const check = async (event: unknown): Promise<void> => {
  stats.events++;
  clients.calls.length = 0;
  log.lines.length = 0;
  deps.alerts.alerts.length = 0;
  const n = normalise(event, RULES);
  expect(['resources', 'ignored', 'invalid']).toContain(n.kind);
  if (n.kind === 'invalid') expect(n.error).toBeInstanceOf(SentinelError);
  const before = log.lines.length;
  const alertsBefore = deps.alerts.alerts.length;
  let result;
  try {
    result = await onChange(event);
  } catch (e) {
    // The only exception the handler may raise is the typed "retry me" one.
    expect(e).toBeInstanceOf(SentinelError);
    expect((e as SentinelError).retryable).toBe(true);
    return;
  }
  stats[result.kind]++;
  if (result.tamper) stats.tamper++;
  const lines = log.lines.slice(before);
  expect(lines).toHaveLength(Math.max(1, result.outcomes.length));
  for (const l of lines) {
    const text = JSON.stringify(l);
    expect(typeof l.message).toBe('string');
    expect(text.length).toBeLessThan(20_000);
    expect(text).not.toContain(SECRET);
  }
  for (const o of result.outcomes) {
    expect(o.error?.message ?? '').not.toMatch(/TypeError|ReferenceError|Cannot read prop|is not a function|undefined/);
  }
  for (const a of deps.alerts.alerts.slice(alertsBefore)) expect(JSON.stringify(a)).not.toContain(SECRET);
  const writes = clients.calls.filter((c) => !READ.test(c));
  stats.writes += writes.length;
  expect(writes).toEqual([]);
};

const seeds = [...eventSamples().map((s) => s.event), ...fixtureSamples().map((s) => s.event)];
const eventNames = [
  ...RULES.flatMap((r) => r.cloudTrail.flatMap((t) => t.eventNames)),
  ...TAMPER_TRIGGERS.flatMap((t) => t.eventNames),
];
const eventSources = [
  ...RULES.flatMap((r) => r.cloudTrail.map((t) => t.eventSource)),
  ...TAMPER_TRIGGERS.map((t) => t.eventSource),
];
const maybe = <T>(a: fc.Arbitrary<T>) => fc.oneof(a, hostileValue);

const generated = fc.record(
  {
    version: maybe(fc.constant('0')),
    id: maybe(fc.uuid()),
    'detail-type': maybe(
      fc.constantFrom(
        'AWS API Call via CloudTrail',
        'Config Configuration Item Change',
        'Config Rules Compliance Change',
        'Scheduled Event',
      ),
    ),
    source: maybe(fc.constantFrom('aws.s3', 'aws.rds', 'aws.config', 'aws.events')),
    account: maybe(fc.constant('123456789012')),
    region: maybe(fc.constantFrom('us-east-1', 'eu-west-1')),
    detail: maybe(
      fc.record(
        {
          eventName: maybe(fc.constantFrom(...eventNames)),
          eventSource: maybe(fc.constantFrom(...eventSources)),
          awsRegion: maybe(fc.constant('us-east-1')),
          userIdentity: maybe(fc.record({ arn: maybe(fc.constant('arn:aws:sts::123456789012:assumed-role/x/y')) })),
          errorCode: fc.option(hostileValue, { nil: undefined }),
          requestParameters: maybe(
            fc.dictionary(
              fc.constantFrom(
                'bucketName',
                'name',
                'roleName',
                'tags',
                'Tagging',
                'password',
                'masterUserPassword',
                'resourceName',
              ),
              hostileValue,
            ),
          ),
          configurationItem: fc.option(
            maybe(
              fc.record({
                resourceType: maybe(fc.constantFrom('AWS::S3::Bucket', 'AWS::RDS::DBInstance')),
                resourceId: hostileValue,
                awsRegion: hostileValue,
              }),
            ),
            { nil: undefined },
          ),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);

describe('fuzzing events through the normaliser and the handler (SDK-free pipeline)', () => {
  afterAll(() =>
    console.info(
      `[figures] events fuzzed: ${stats.events} (${stats.resources} named resources, ${stats.ignored} ignored, ${stats.invalid} invalid, ${stats.tamper} tamper); AWS writes: ${stats.writes}`,
    ),
  );

  it('every sample and fixture with each single field removed', async () => {
    let n = 0;
    for (const seed of seeds) {
      await check(seed);
      for (const p of pathsOf(seed)) {
        await check(withoutPath(seed, p));
        n++;
      }
    }
    expect(n).toBeGreaterThan(200);
  });

  it('mutated samples and fixtures: fields removed, wrong types, huge strings, unknown names', async () => {
    await fc.assert(
      fc.asyncProperty(mutated(seeds), async (e) => {
        await check(e);
      }),
      { numRuns: budget(1200, 3500), seed: 42 },
    );
  });

  it('generated envelopes of every known shape with hostile fields', async () => {
    await fc.assert(
      fc.asyncProperty(generated, async (e) => {
        await check(e);
      }),
      { numRuns: budget(1200, 4000), seed: 43 },
    );
  });

  it('anything at all', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything({ maxDepth: 4, withNullPrototype: true }), async (e) => {
        await check(e);
      }),
      { numRuns: budget(500, 1500), seed: 44 },
    );
  });

  it('a secret planted in the request parameters never reaches a log line or an alert', async () => {
    const withSecret = fc.constantFrom(...seeds).map((s) => {
      const e = structuredClone(s) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      const detail = (e.detail ?? e) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      if (typeof detail === 'object' && detail)
        detail.requestParameters = {
          ...(detail.requestParameters ?? {}),
          masterUserPassword: SECRET,
          note: `password=${SECRET}`,
        };
      return e;
    });
    await fc.assert(
      fc.asyncProperty(withSecret, async (e) => {
        await check(e);
      }),
      { numRuns: 300, seed: 45 },
    );
    expect(stats.events).toBeGreaterThanOrEqual(budget(7_000, 10_000));
  });
});
