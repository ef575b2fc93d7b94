import { SnsAlertSink } from '../shared/alerts/publisher';
import { ClientFactory } from '../shared/aws/clients';
import { buildDeps } from '../shared/pipeline/context';
import { loadPolicy, Policy } from '../shared/policy/policy';
import { DEMO_WAIVER, demoWaivers } from './demo/waivers';
import { assertLoopback, startEmulator } from '../test/support/moto';
import type { DemoContext } from './demo/context';
import { DEMO_PARTS } from './demo/parts';
import { alertInbox } from './lib/alert-inbox';
import { createKey } from './lib/estate';
import { shortKey, table } from './lib/table';

/**
 * The main job, end to end on the local emulator: an estate drifted in every way the
 * rules know, the events that would arrive, and what the service did about them.
 */
export const main = async (): Promise<number> => {
  const started = Date.now();
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.stdout.write('Starting the local AWS emulator (moto)... ');
  const emu = await startEmulator();
  console.log(`ready on ${emu.endpoint} (pid ${emu.pid})`);
  try {
    const clients = new ClientFactory({ endpoint: assertLoopback(emu.endpoint), maxAttempts: 3, credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' } });
    const regions = ['us-east-1', 'eu-west-1'] as const;
    const cmks: DemoContext['cmks'] = {};
    const keyNames: Record<string, string> = {};
    for (const r of regions) {
      cmks[r] = await createKey(clients, r, 'alias/data-platform', `data platform CMK ${r}`);
      keyNames[(cmks[r] as { arn: string }).arn] = `CMK ${r}`;
    }

    const inbox = await alertInbox(clients, regions[0] as string);

    // The demo's exempt resources carry the exemption tag naming a waiver the demo adds to the policy.
    const shipped = loadPolicy();
    const policy = new Policy({ ...shipped.doc, waivers: [...shipped.waivers, ...demoWaivers(new Date())] });
    const deps = buildDeps({ clients, policy, alerts: new SnsAlertSink(clients, inbox.topicArn), homeAccount: '123456789012' }, {});
    const ctx: DemoContext = { clients, deps, regions, cmks, keyNames, print: (t) => console.log(t) };
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
    console.log(table(['severity', 'resource', 'reason', 'action', 'observed key', 'expected key'], received.map((a) => [
      a.severity, `${a.resource.type}/${a.resource.id}`, a.reason ?? '', `${a.action.taken} ${a.action.result}`, shortKey(a.observedKey, keyNames), shortKey(a.expectedKey, keyNames),
    ])));
    if (received[0]) console.log(`\nOne alert in full:\n${JSON.stringify(received[0], null, 2)}`);

    console.log(`\n${done}/${expected} drifted, non-exempt resources fixed or quarantined per the policy; ${received.length} alerts; ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return done === expected ? 0 : 1;
  } finally {
    await emu.stop();
  }
};
