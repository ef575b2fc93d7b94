import type { Alert } from '../shared/alerts/alert';
import { SnsAlertSink } from '../shared/alerts/publisher';
import { LocalWorkflowDriver } from '../shared/workflows/local-driver';
import { ClientFactory } from '../shared/aws/clients';
import { logger, logToStderr } from '../shared/logger';
import { buildDeps } from '../shared/pipeline/context';
import { loadPolicyFile, Policy } from '../shared/policy/policy';
import { demoWaivers } from './demo/waivers';
import { assertLoopback, startEmulator } from '../testbed/moto';
import { checkRequests } from '../testbed/request-audit';
import { recordRequests } from '../testbed/requests';
import { DEMO_POLICY_PATH, type DemoContext } from './demo/context';
import { DEMO_PARTS } from './demo/parts';
import { alertInbox } from '../testbed/estates/alert-inbox';
import { createKey } from '../testbed/estates/estate';
import { shortKey, table } from '../cli/table';

/** An alert that reports something not done: an error, a failed action or a failed verification. */
export const failedAlert = (a: Pick<Alert, 'status' | 'action'>): boolean =>
  a.status === 'ERROR' || a.action.result === 'FAILED' || a.action.result === 'VERIFICATION_FAILED';

/**
 * The main job, end to end on the local emulator: an estate drifted in every way the
 * rules know, the events that would arrive, and what the service did about them.
 */
export const main = async (): Promise<number> => {
  const started = Date.now();
  // The tables are the output: log lines go to stderr, WARN and above unless asked (the logger exists already,
  // so the level is set on it, not only in the environment it read at import).
  logToStderr(logger, (process.env.POWERTOOLS_LOG_LEVEL as 'WARN' | undefined) ?? 'WARN');
  process.stdout.write('Starting the local AWS emulator (moto)... ');
  const emu = await startEmulator();
  // Every request the demo's service code sends is checked as AWS would check it: the API model, and the packaged role.
  const recorder = recordRequests();
  console.log(`ready on ${emu.endpoint} (pid ${emu.pid})`);
  try {
    const clients = new ClientFactory({
      endpoint: assertLoopback(emu.endpoint),
      maxAttempts: 3,
      credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' },
    });
    const regions = ['us-east-1', 'eu-west-1'] as const;
    const cmks: DemoContext['cmks'] = {};
    const keyNames: Record<string, string> = {};
    for (const r of regions) {
      cmks[r] = await createKey(clients, r, 'alias/data-platform', `data platform CMK ${r}`);
      keyNames[(cmks[r] as { arn: string }).arn] = `CMK ${r}`;
    }

    const inbox = await alertInbox(clients, regions[0] as string);

    // The demo's exempt resources carry the exemption tag naming a waiver the demo adds to its policy.
    const demoPolicy = loadPolicyFile(DEMO_POLICY_PATH);
    const policy = new Policy({ ...demoPolicy.doc, waivers: [...demoPolicy.waivers, ...demoWaivers(new Date())] });
    const deps = buildDeps(
      { clients, policy, alerts: new SnsAlertSink(clients, inbox.topicArn), homeAccount: '123456789012' },
      {},
    );
    // One workflow engine for every part (Step Functions in AWS; here the same definition in-process, no waits).
    const workflows = new LocalWorkflowDriver(() => deps, { log: deps.log });
    deps.workflows = workflows;
    const ctx: DemoContext = { clients, deps, workflows, regions, cmks, keyNames, print: (t) => console.log(t) };
    console.log(`Policy: ${policy.doc.cmk.alias ?? 'explicit keys'}, default mode ${policy.doc.mode}`);

    let expected = 0;
    let done = 0;
    for (const part of DEMO_PARTS) {
      console.log(`\n== ${part.title} ==\n`);
      const r = await part.run(ctx);
      expected += r.expected;
      done += r.done;
    }

    const received = await inbox.receive();
    console.log(`\n== Alerts received on the queue subscribed to the topic (${received.length}) ==\n`);
    console.log(
      table(
        ['severity', 'resource', 'reason', 'action', 'observed key', 'expected key'],
        received.map((a) => [
          a.severity,
          `${a.resource.type}/${a.resource.id}`,
          a.reason ?? '',
          `${a.action.taken} ${a.action.result}`,
          shortKey(a.observedKey, keyNames),
          shortKey(a.expectedKey, keyNames),
        ]),
      ),
    );
    if (received[0]) console.log(`\nOne alert in full:\n${JSON.stringify(received[0], null, 2)}`);

    // The verdict counts every outcome: an alert that reports a failure, a workflow that failed, or a request AWS
    // would refuse is a failure whatever the part's own before/after check said.
    const runs = await workflows.settle();
    recorder.stop();
    const problems = checkRequests(recorder.requests);
    const own = recorder.requests.filter((r) => r.as !== 'setup' && r.as !== 'operator').length;
    console.log(
      `\nRequests: ${recorder.requests.length} validated against the AWS API models, ${own} sent by the service authorized against its packaged roles: ${problems.length ? `${problems.length} AWS would refuse` : 'AWS would accept them all'}`,
    );
    const failures = [
      ...received
        .filter(failedAlert)
        .map(
          (a) =>
            `${a.resource.type}/${a.resource.id}: ${a.action.taken} ${a.action.result}${a.error ? ` ${a.error.code}: ${a.error.message.split('\n')[0]}` : a.action.detail ? ` (${a.action.detail.slice(0, 160)})` : ''}`,
        ),
      ...[...runs.entries()]
        .filter(([, r]) => r.status === 'FAILED')
        .map(([name, r]) => `workflow ${name}: FAILED ${r.error ?? ''}`),
      ...problems.map((p) => `request AWS would refuse: ${p}`),
    ];
    if (failures.length)
      console.log(`\n== Failures (${failures.length}) ==\n\n${failures.map((f) => `  ${f}`).join('\n')}`);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const ok = done === expected && failures.length === 0;
    console.log(
      ok
        ? `\n${done}/${expected} drifted, non-exempt resources fixed or quarantined per the policy; 0 failures; ${received.length} alerts; ${seconds} s`
        : `\nFAILED: ${done}/${expected} drifted, non-exempt resources fixed or quarantined per the policy; ${failures.length} failure(s) above; ${received.length} alerts; ${seconds} s`,
    );
    return ok ? 0 : 1;
  } finally {
    recorder.stop();
    await emu.stop();
  }
};
