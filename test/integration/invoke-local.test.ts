import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { functionEnvironment } from '../../scripts/invoke-local';
import { createBucket, createKey } from '../../testbed/estates/estate';
import { useEmulator } from '../support/harness';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');
const emu = useEmulator();

describe('npm run invoke-local (what `serverless invoke local` does, offline)', () => {
  it('resolves the serverless.yml environment without CloudFormation: literals and env fallbacks kept, references only from the env', () => {
    const { vars, unresolved } = functionEnvironment('onChange', {
      ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:t',
    });
    expect(vars).toMatchObject({
      CMK_SENTINEL_POLICY: '.build/on-change/policy.json',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:t',
    });
    expect(unresolved).toEqual(expect.arrayContaining(['IDEMPOTENCY_TABLE', 'AUDIT_TABLE', 'CMK_SENTINEL_ACCOUNT_ID']));
    expect(functionEnvironment('onChange', { IDEMPOTENCY_TABLE: 'local-idem' }).vars.IDEMPOTENCY_TABLE).toBe(
      'local-idem',
    );
    expect(() => functionEnvironment('nope')).toThrow(/No function "nope"/);
  });

  it('runs the built onChange bundle on a sample event against the emulator; the result alone on stdout', async () => {
    await createKey(emu.clients(), 'us-east-1', 'alias/data-platform');
    await createBucket(emu.clients(), 'us-east-1', 'example-data-lake', { kind: 'sse-s3' });
    await run(process.execPath, ['scripts/run.js', 'scripts/build.ts'], { cwd: root });
    const env = {
      ...process.env,
      AWS_ENDPOINT_URL: emu.current.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      CMK_SENTINEL_ACCOUNT_ID: '123456789012',
    };
    const { stdout, stderr } = await run(
      process.execPath,
      ['scripts/run.js', 'scripts/invoke-local.ts', 'onChange', 'events/s3-bucket/CreateBucket.json'],
      { cwd: root, env },
    );
    const result = JSON.parse(stdout);
    // The shipped policy only reports: a fresh deployment changes nothing.
    expect(result.outcomes.find((o: { ref: { type: string } }) => o.ref.type === 's3-bucket')).toMatchObject({
      ref: { id: 'example-data-lake' },
      status: 'NON_COMPLIANT',
      action: 'REPORT',
    });
    expect(stderr).toMatch(/not set \(CloudFormation references.*IDEMPOTENCY_TABLE/);
  }, 120_000);
});
