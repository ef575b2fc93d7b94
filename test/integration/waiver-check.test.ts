import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkWaivers } from '../../functions/waiver-check/handler';
import { alertInbox } from '../../testbed/estates/alert-inbox';
import { useEmulator } from '../support/harness';

/** The daily waiver check, as the scheduled function runs it, publishing to a topic on the emulator. */
const emu = useEmulator();

it('alerts on the waiver expiring within 14 days and on the expired one, not on the others', async () => {
  const inbox = await alertInbox(emu.clients(), 'us-east-1');
  const dir = mkdtempSync(join(tmpdir(), 'waivers-'));
  const policy = join(dir, 'policy.yaml');
  const w = (id: string, approvedOn: string, expires: string) =>
    `  - { id: ${id}, resources: ["arn:aws:s3:::${id}-*"], checks: ["*"], reason: r, owner: team@example.com, approval: CHG-1, approvedOn: "${approvedOn}", expires: "${expires}" }`;
  writeFileSync(
    policy,
    [
      'cmk: { alias: alias/data-platform }',
      'waivers:',
      w('soon', '2026-06-01', '2026-12-08'),
      w('later', '2026-11-01', '2027-05-01'),
      w('gone', '2026-01-01', '2026-11-30'),
    ].join('\n'),
  );
  const env = {
    CMK_SENTINEL_POLICY: policy,
    ALERT_TOPIC_ARN: inbox.topicArn,
    AWS_ENDPOINT_URL: emu.current.endpoint,
    AWS_REGION: 'us-east-1',
    CMK_SENTINEL_ACCOUNT_ID: '123456789012',
  };
  expect(await checkWaivers(env, new Date('2026-12-01T07:00:00Z'), emu.clients())).toEqual({ waivers: 3, alerts: 2 });
  const alerts = await inbox.receive();
  expect(alerts.map((a) => [a.reason, a.resource.type, a.resource.id, a.severity]).sort()).toEqual([
    ['WAIVER_EXPIRED', 'waiver', 'gone', 'HIGH'],
    ['WAIVER_EXPIRING', 'waiver', 'soon', 'MEDIUM'],
  ]);
  expect(alerts.find((a) => a.resource.id === 'soon')?.detail).toMatch(/expires on 2026-12-08, in 8 day\(s\)/);
});
