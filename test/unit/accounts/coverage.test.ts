import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AccountDirectory } from '../../../shared/accounts/directory';
import { SentinelError } from '../../../shared/errors';
import { hasRetryableFailure, processEvent } from '../../../shared/pipeline/process';
import { offlineClients, onlyRules, testDeps, testPolicy } from '../../support/harness';

/**
 * The event path's account check (shared/accounts/coverage.ts) without AWS: an event of an account the directory does
 * not cover is ignored with one alert; a directory that cannot answer fails the event retryably and acts on nothing.
 */
onlyRules('s3-bucket');
const MEMBER = '210987654321';
const event = (account: string) => {
  const e = JSON.parse(
    readFileSync(join(__dirname, '..', '..', '..', 'events', 's3-bucket', 'CreateBucket.json'), 'utf8'),
  ) as Record<string, unknown> & { detail: Record<string, unknown> };
  return { ...e, account, detail: { ...e.detail, recipientAccountId: account } };
};
const directory = (covers: AccountDirectory['covers']) => ({ covers }) as unknown as AccountDirectory;

describe('the account an event comes from', () => {
  it('an uncovered account: ignored, one MEDIUM alert with the reason, no resource touched', async () => {
    const deps = testDeps(offlineClients(), {
      policy: testPolicy({ regions: ['us-east-1'] }),
      accounts: directory(async (a) => ({ covered: false, reason: `account ${a} is not ours` })),
    });
    const res = await processEvent(event(MEMBER), deps);
    expect(res).toMatchObject({ kind: 'ignored', reason: 'OUTSIDE_POLICY_ACCOUNTS', outcomes: [] });
    expect(res.message).toContain(`account ${MEMBER} is not ours`);
    expect(deps.alerts.alerts.map((a) => [a.reason, a.resource.account, a.severity, a.action.taken])).toEqual([
      ['OUTSIDE_POLICY_ACCOUNTS', MEMBER, 'MEDIUM', 'NONE'],
    ]);
    expect(deps.log.lines.find((l) => l.message === 'event ignored')?.extra).toMatchObject({
      reason: 'OUTSIDE_POLICY_ACCOUNTS',
    });
  });

  it('a directory that cannot answer (Organizations throttled): a retryable error per resource, nothing acted on', async () => {
    const deps = testDeps(offlineClients(), {
      policy: testPolicy({ regions: ['us-east-1'] }),
      accounts: directory(async () => {
        throw new SentinelError('THROTTLED', 'Rate exceeded', { retryable: true });
      }),
    });
    const res = await processEvent(event(MEMBER), deps);
    expect(res.kind).toBe('resources');
    expect(res.outcomes.map((o) => [o.ref.account, o.status, o.error?.code, o.error?.retryable])).toEqual([
      [MEMBER, 'ERROR', 'THROTTLED', true],
    ]);
    expect(hasRetryableFailure(res)).toBe(true);
    expect(deps.alerts.alerts).toEqual([]);
  });

  it('without a home account (a local run) every account is the home one, as the scope rule treats it', async () => {
    let asked = 0;
    const deps = testDeps(offlineClients(), {
      policy: testPolicy({ regions: ['us-east-1'] }),
      homeAccount: undefined,
      accounts: directory(async () => {
        asked++;
        return { covered: false };
      }),
    });
    const res = await processEvent(event(MEMBER), deps);
    expect(asked).toBe(0);
    // Goes on to the (offline) describe, which fails: the point is that it was not ignored.
    expect(res.kind).toBe('resources');
  });
});
