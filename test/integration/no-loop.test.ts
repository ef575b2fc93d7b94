import type { Alert } from '../../shared/alerts/alert';
import { normalise } from '../../shared/events/normalise';
import { processEvent } from '../../shared/pipeline/process';
import type { ResourceRef } from '../../shared/rules/contract';
import { RULES } from '../../shared/rules/registry';
import type { DemoContext } from '../../scripts/demo/context';
import { DEMO_PARTS } from '../../scripts/demo/parts';
import { createKey } from '../../testbed/estates/estate';
import { type FaultProxy, startFaultProxy } from '../../testbed/fault-proxy';
import { ACCOUNT, emulatorClients, testDeps, testPolicy, useEmulator } from '../support/harness';
import { eventSamples, replaceStrings } from '../support/samples';
import { LocalWorkflowDriver } from '../../shared/workflows/local-driver';

/**
 * The service's own changes come back as events. For every type a demo part covers
 * (the part builds a drifted estate of that type; a type no part covers needs none),
 * let the service act, then feed back every event it listens to for each resource it
 * touched (the events/<type>/ samples rewritten to name that resource, made by the
 * service's own role): no further write may happen.
 */
const emu = useEmulator();
let proxy: FaultProxy;
const REGIONS = ['us-east-1', 'eu-west-1'] as const;
const serviceRole = (region: string) =>
  `arn:aws:sts::${ACCOUNT}:assumed-role/cmk-sentinel-prod-${region}-on-change/cmk-sentinel-prod-${region}-on-change`;

beforeAll(async () => {
  proxy = await startFaultProxy(emu.current.endpoint);
});
afterAll(async () => {
  await proxy.close();
});

/** A sample event of `type`, rewritten to name `ref` and to be made by the service's role. */
const rewrite = (sample: unknown, ref: ResourceRef): unknown => {
  const n = normalise(sample, RULES);
  if (n.kind !== 'resources') return sample;
  const from = n.refs[0] as ResourceRef;
  const out = replaceStrings(sample, [
    [from.id, ref.id],
    [from.region, ref.region],
    [from.account, ref.account],
  ]) as Record<string, unknown>;
  const detail = out.detail as Record<string, unknown> | undefined;
  out.id = `own-${Math.random().toString(16).slice(2)}`;
  if (detail && typeof detail.userIdentity === 'object')
    detail.userIdentity = { type: 'AssumedRole', arn: serviceRole(ref.region), accountId: ref.account };
  return out;
};

/**
 * Types the demo cannot make act on the emulator, with why: their writes are covered by SDK-mock tests.
 * Every other rule in the registry must act, so a rule added later is held to the no-loop check.
 */
const cannotActHere = (mode: 'remediate' | 'quarantine'): Set<string> =>
  new Set([
    // The demo makes no replicated backups: their one write (restart under the CMK) needs gates.cutOver, off in the
    // demo; the rule runs on the emulator in rds-backup-replication.test.ts.
    'rds-backup-replication',
    // Quarantine is alert-only for these (nothing to tag or close): they report, never write.
    ...(mode === 'quarantine'
      ? [
          'ebs-default',
          'emr-security-configuration',
          'kms-key',
          'rds-tls',
          'redshift-tls',
          's3-tls',
          's3-replication',
          'redshift-snapshot-copy',
          'glue-catalog',
        ]
      : []),
  ]);

describe.each(['remediate', 'quarantine'] as const)('no loops in %s mode', (mode) => {
  it("every event the service's own changes produce evaluates and stops: no further write", async () => {
    await emu.current.reset();
    const direct = emu.clients();
    const cmks: DemoContext['cmks'] = {};
    for (const r of REGIONS) cmks[r] = await createKey(direct, r, 'alias/data-platform');
    const clients = emulatorClients(proxy.endpoint);
    const deps = testDeps(clients, { policy: testPolicy({ mode }) });
    const workflows = new LocalWorkflowDriver(() => deps);
    deps.workflows = workflows;
    const ctx: DemoContext = {
      clients: direct,
      deps,
      workflows,
      regions: REGIONS,
      cmks,
      keyNames: {},
      print: () => undefined,
    };
    for (const part of DEMO_PARTS) await part.run(ctx);

    const acted = deps.alerts.alerts.filter(
      (a: Alert) => (a.action.taken === 'REMEDIATE' || a.action.taken === 'QUARANTINE') && a.action.result !== 'FAILED',
    );
    // Every type the demo says it covers acts (and no other): the check below then holds each of them.
    const covered = new Set(DEMO_PARTS.flatMap((p) => p.covers));
    const known = new Set<string>(RULES.map((r) => r.type));
    expect([...covered, ...cannotActHere(mode)].filter((t) => !known.has(t))).toEqual([]);
    expect(new Set(acted.map((a) => a.resource.type))).toEqual(
      new Set([...covered].filter((t) => !cannotActHere(mode).has(t))),
    );
    const samples = eventSamples();
    const fedBack: unknown[] = [];
    for (const a of acted) {
      const ref = {
        type: a.resource.type,
        account: a.resource.account,
        region: a.resource.region,
        id: a.resource.id,
      } as ResourceRef;
      const own = samples.filter((s) => s.type === ref.type).map((s) => rewrite(s.event, ref));
      const naming = own.filter((e) => {
        const n = normalise(e, RULES);
        return n.kind === 'resources' && n.refs.some((r) => r.id === ref.id);
      });
      expect(naming.length).toBeGreaterThan(0);
      fedBack.push(...own);
    }
    // A sample event (e.g. CreateBucket) can reach another rule that never saw this resource yet and
    // acts once: that is first sight, not a loop. Let that settle, then every event again must be silent.
    for (const e of fedBack) await processEvent(e, deps);
    const mark = proxy.log.length;
    const alertsBefore = deps.alerts.alerts.length;
    let fed = 0;
    for (const e of fedBack) {
      const result = await processEvent(e, deps);
      fed++;
      // A change made again is a loop; a finding that can only be reported (e.g. an EMR configuration whose
      // copy needs the owner's TLS certificates) is reported again without a write, which the proxy log checks.
      const looping = result.outcomes.filter((o) => o.result === 'VERIFIED' || o.result === 'PENDING');
      expect(
        looping.map((o) => ({
          ref: o.ref,
          status: o.status,
          reason: o.reason,
          action: o.action,
          result: o.result,
          error: o.error?.message,
        })),
      ).toEqual([]);
    }
    const writes = proxy.log.slice(mark).filter((r) => r.write && r.forwarded);
    expect(writes).toEqual([]);
    expect(
      deps.alerts.alerts
        .slice(alertsBefore)
        .filter((a) => a.action.result === 'VERIFIED' || a.action.result === 'PENDING'),
    ).toEqual([]);
    expect(deps.log.lines.filter((l) => l.extra.ownChange === true).length).toBeGreaterThan(0);
    console.info(
      `[figures] no-loop (${mode}): ${acted.length} resources acted on, ${fed} own-change events fed back, ${writes.length} writes`,
    );
    // ~30 s per mode on an idle 2-vCPU machine; the bound is for a loaded one (a hang still fails).
  }, 400_000);
});
