import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateKeyCommand, DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { isThrottle, PacedClientFactory, Pacer } from '../../shared/backfill/pacing';
import { type FaultProxy, startFaultProxy } from '../../testbed/fault-proxy';
import { useEmulator } from '../support/harness';

/**
 * The throttling answers as the SDK parses them from the wire (S3 rest-xml 503 SlowDown, KMS JSON
 * ThrottlingException, RDS query Throttling), and the paced factory seeing every attempt of a retried request.
 * The proxy's rate is so low (one token per 1,000 s) that no token comes back during the test: counts, not time.
 */
const emu = useEmulator();
const R = 'us-east-1';
const creds = { accessKeyId: 'testing', secretAccessKey: 'testing' };
let proxy: FaultProxy;

beforeAll(async () => {
  proxy = await startFaultProxy(emu.current.endpoint);
});
afterAll(async () => {
  await proxy.close();
});
afterEach(() => {
  proxy.limitRate(undefined);
});

describe('throttling through the fault proxy', () => {
  it("lets the burst through, then answers each protocol's throttling error, which isThrottle knows", async () => {
    const plain = new PacedClientFactory(new Pacer(), { endpoint: proxy.endpoint, maxAttempts: 1, credentials: creds });
    await emu
      .clients()
      .get(S3Client, { region: R })
      .send(new CreateBucketCommand({ Bucket: 'pacing-1' }));
    const keyId = (await emu.clients().get(KMSClient, { region: R }).send(new CreateKeyCommand({}))).KeyMetadata?.KeyId;
    proxy.limitRate({ rps: 0.001, burst: 2 });
    const s3 = plain.get(S3Client, { region: R });
    await expect(s3.send(new ListBucketsCommand({}))).resolves.toBeDefined();
    await expect(s3.send(new ListBucketsCommand({}))).resolves.toBeDefined();
    const e = await s3.send(new ListBucketsCommand({})).catch((x: unknown) => x);
    expect(e).toMatchObject({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    expect(isThrottle(e)).toBe(true);
    const k = await plain
      .get(KMSClient, { region: R })
      .send(new DescribeKeyCommand({ KeyId: keyId }))
      .catch((x: unknown) => x);
    expect(k).toMatchObject({ name: 'ThrottlingException' });
    expect(isThrottle(k)).toBe(true);
    const r = await plain
      .get(RDSClient, { region: R })
      .send(new DescribeDBInstancesCommand({}))
      .catch((x: unknown) => x);
    expect(isThrottle(r)).toBe(true);
  });

  it('paces and counts every attempt: a request retried three times meets the limiter three times', async () => {
    const pacer = new Pacer({}, undefined, Date.now, async () => undefined);
    const clients = new PacedClientFactory(pacer, { endpoint: proxy.endpoint, maxAttempts: 3, credentials: creds });
    proxy.limitRate({ rps: 0.001, burst: 0 });
    const before = proxy.log.length;
    await expect(clients.get(S3Client, { region: R }).send(new ListBucketsCommand({}))).rejects.toMatchObject({
      name: 'SlowDown',
    });
    expect(proxy.log.length - before).toBe(3);
    const l = pacer.limiter('s3', 'ListBuckets', 'home', R);
    expect(l.throttles).toBe(3);
    // Each retry left after the previous cut: three cuts of ×0.7 from the start of 100/s.
    expect(l.rate).toBeCloseTo(100 * 0.7 ** 3, 5);
  });
});
