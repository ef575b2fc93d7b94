import { DescribeKeyCommand, type DescribeKeyCommandInput, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { ClientFactory } from '../../../shared/aws/clients';
import { explainMismatch, keyMismatch } from '../../../shared/kms/compare';
import { KeyResolver } from '../../../shared/kms/key-resolver';
import { testPolicy } from '../../support/harness';

/**
 * Key equivalence across regions and accounts. KMS is an SDK mock here because the
 * cases need multi-region keys and keys of other accounts, which the emulator cannot
 * make; the same resolver runs against moto in the integration tests.
 */
const E = 'us-east-1';
const W = 'eu-west-1';
const HOME = '123456789012';
const OTHER = '999988887777';
const MRK = 'mrk-1234abcd12ab34cd56ef1234567890ab';
const arn = (region: string, id: string, account = HOME) => `arn:aws:kms:${region}:${account}:key/${id}`;

/** A small KMS: per region and account, key ids and aliases. */
interface Key {
  id: string;
  account?: string;
  manager?: 'AWS' | 'CUSTOMER';
  primaryRegion?: string;
  aliases?: string[];
}
const world: Record<string, Key[]> = {
  [E]: [
    { id: 'east-cmk', aliases: ['alias/data-platform'] },
    { id: MRK, primaryRegion: E },
    { id: 'aws-s3', manager: 'AWS', aliases: ['alias/aws/s3'] },
  ],
  [W]: [
    { id: 'west-cmk', aliases: ['alias/data-platform'] },
    { id: MRK, primaryRegion: E },
    { id: 'west-other' },
    { id: 'partner-cmk', account: OTHER, aliases: ['alias/data-platform'] },
  ],
};

const kms = mockClient(KMSClient);
const calls: string[] = [];

beforeEach(() => {
  calls.length = 0;
  kms.reset();
  kms.on(DescribeKeyCommand).callsFake(async (input: DescribeKeyCommandInput, getClient: () => KMSClient) => {
    const client = getClient();
    const region = await client.config.region();
    const creds = await client.config.credentials();
    // The test's ClientFactory tells accounts apart by the assumed role's access key.
    const account = creds.accessKeyId === 'other' ? OTHER : HOME;
    const ref = input.KeyId as string;
    calls.push(`${region}|${account}|${ref}`);
    const parsed = /^arn:aws:kms:([^:]+):(\d+):(.+)$/.exec(ref);
    const keyRegion = parsed?.[1] ?? region;
    const keyAccount = parsed?.[2] ?? account;
    const local = parsed?.[3] ?? ref;
    const key = (world[keyRegion] ?? []).find(
      (k) =>
        (k.account ?? HOME) === keyAccount &&
        (`key/${k.id}` === local || k.id === local || (k.aliases ?? []).includes(local)),
    );
    if (!key)
      throw Object.assign(new Error(`${ref} not found`), {
        name: 'NotFoundException',
        $metadata: { httpStatusCode: 400 },
      });
    return {
      KeyMetadata: {
        KeyId: key.id,
        Arn: arn(keyRegion, key.id, keyAccount),
        AWSAccountId: keyAccount,
        KeyManager: key.manager ?? 'CUSTOMER',
        ...(key.primaryRegion
          ? {
              MultiRegion: true,
              MultiRegionConfiguration: {
                PrimaryKey: { Arn: arn(key.primaryRegion, key.id), Region: key.primaryRegion },
              },
            }
          : {}),
      },
    };
  });
});
afterAll(() => kms.restore());

const clients = new ClientFactory({
  maxAttempts: 1,
  credentials: { accessKeyId: 'home', secretAccessKey: 'x' },
  endpoint: 'http://127.0.0.1:9',
});
// Another account's credentials, as the client factory would get them by AssumeRole.
const otherAccount = new ClientFactory({
  maxAttempts: 1,
  credentials: { accessKeyId: 'other', secretAccessKey: 'x' },
  endpoint: 'http://127.0.0.1:9',
});

const verdict = async (keys: KeyResolver, ref: string, region: string, scopeAccount?: string) => {
  const expected = await keys.regionalCmk(region, scopeAccount ? { region, account: scopeAccount } : undefined);
  const observed = await keys.observe(ref, region);
  const mismatch = keyMismatch(observed, expected, region);
  return { mismatch, expected, detail: mismatch ? explainMismatch(mismatch, observed, expected, region) : undefined };
};

describe("key equivalence: which key is region R's CMK", () => {
  it('the same alias names a different CMK in each region; each is right only in its own region', async () => {
    const keys = new KeyResolver(clients, testPolicy());
    expect((await keys.regionalCmk(E)).arn).toBe(arn(E, 'east-cmk'));
    expect((await keys.regionalCmk(W)).arn).toBe(arn(W, 'west-cmk'));
    expect((await verdict(keys, 'alias/data-platform', W)).mismatch).toBeUndefined();
    expect((await verdict(keys, arn(W, 'west-cmk'), W)).mismatch).toBeUndefined();
    expect((await verdict(keys, 'west-cmk', W)).mismatch).toBeUndefined();
    const wrong = await verdict(keys, arn(E, 'east-cmk'), W);
    expect(wrong.mismatch).toBe('WRONG_REGION_KEY');
    expect(wrong.detail).toContain(`not ${W}'s CMK`);
  });

  it('an explicit map wins over the alias for the regions it lists; other regions fall back to the alias', async () => {
    const keys = new KeyResolver(
      clients,
      testPolicy({ cmk: { alias: 'alias/data-platform', keys: { [W]: arn(W, 'west-other') } } }),
    );
    expect((await keys.regionalCmk(W)).arn).toBe(arn(W, 'west-other'));
    expect((await keys.regionalCmk(E)).arn).toBe(arn(E, 'east-cmk'));
    expect((await verdict(keys, 'alias/data-platform', W)).mismatch).toBe('WRONG_KEY');
    expect((await verdict(keys, 'west-other', W)).mismatch).toBeUndefined();
  });

  it('a multi-region key: its replica counts in its own region when the policy names it there; its primary there is the wrong region', async () => {
    const keys = new KeyResolver(clients, testPolicy({ cmk: { keys: { [E]: arn(E, MRK), [W]: arn(W, MRK) } } }));
    expect((await verdict(keys, arn(W, MRK), W)).mismatch).toBeUndefined();
    // A bare mrk- id is resolved in the region it is seen in: the local replica.
    expect((await verdict(keys, MRK, W)).mismatch).toBeUndefined();
    expect((await verdict(keys, arn(E, MRK), E)).mismatch).toBeUndefined();
    const primaryInWest = await verdict(keys, arn(E, MRK), W);
    expect(primaryInWest.mismatch).toBe('WRONG_REGION_KEY');
    expect(primaryInWest.detail).toContain(`${E} copy of multi-region key ${MRK}`);
    expect(primaryInWest.detail).toContain(arn(W, MRK));
  });

  it('a multi-region replica not named for its region is the wrong key there', async () => {
    const keys = new KeyResolver(
      clients,
      testPolicy({ cmk: { alias: 'alias/data-platform', keys: { [E]: arn(E, MRK) } } }),
    );
    expect((await keys.regionalCmk(W)).arn).toBe(arn(W, 'west-cmk'));
    expect((await verdict(keys, arn(W, MRK), W)).mismatch).toBe('WRONG_KEY');
  });

  it("a key of another account: the ARN's account is kept, and a look-alike in the home account is wrong", async () => {
    const keys = new KeyResolver(
      clients,
      testPolicy({ cmk: { alias: 'alias/data-platform', keys: { [W]: arn(W, 'partner-cmk', OTHER) } } }),
    );
    const cmk = await keys.regionalCmk(W);
    expect(cmk).toMatchObject({ arn: arn(W, 'partner-cmk', OTHER), account: OTHER, region: W });
    expect((await verdict(keys, arn(W, 'partner-cmk', OTHER), W)).mismatch).toBeUndefined();
    const homeKey = await verdict(keys, arn(W, 'west-cmk'), W);
    expect(homeKey.mismatch).toBe('WRONG_KEY');
    expect(homeKey.detail).toContain(`account ${HOME}`);
    expect(homeKey.detail).toContain(`CMK in account ${OTHER}`);
  });

  it('an alias in a destination account resolves in that account, cached apart from the home account', async () => {
    const keys = new KeyResolver(otherAccount, testPolicy());
    const home = new KeyResolver(clients, testPolicy());
    expect((await keys.regionalCmk(W, { region: W, account: OTHER })).arn).toBe(arn(W, 'partner-cmk', OTHER));
    expect((await home.regionalCmk(W)).arn).toBe(arn(W, 'west-cmk'));
    // One resolver, two accounts: separate cache entries (the home lookup goes out again).
    const both = new KeyResolver(clients, testPolicy());
    await both.regionalCmk(W);
    await both.regionalCmk(W, { region: W, account: OTHER });
    expect(calls.filter((c) => c.endsWith('alias/data-platform'))).toHaveLength(4);
  });

  it('AWS-managed keys are never the CMK, by alias (no call) or by id', async () => {
    const keys = new KeyResolver(clients, testPolicy());
    const byAlias = await verdict(keys, 'alias/aws/s3', E);
    expect(byAlias.mismatch).toBe('AWS_MANAGED_KEY');
    expect(calls.some((c) => c.endsWith('alias/aws/s3'))).toBe(false);
    expect((await verdict(keys, 'aws-s3', E)).mismatch).toBe('AWS_MANAGED_KEY');
    expect(keyMismatch(undefined, await keys.regionalCmk(E), E)).toBe('NO_KEY');
  });

  it('an unknown key is UNKNOWN_KEY, not an error', async () => {
    const keys = new KeyResolver(clients, testPolicy());
    const v = await verdict(keys, 'no-such-key', W);
    expect(v.mismatch).toBe('UNKNOWN_KEY');
    expect(v.detail).toContain('does not exist');
  });

  it('resolution is cached per region: one DescribeKey per region however often it is asked', async () => {
    const keys = new KeyResolver(clients, testPolicy());
    for (let i = 0; i < 3; i++) {
      await keys.regionalCmk(E);
      await keys.regionalCmk(W);
    }
    expect(calls.filter((c) => c.endsWith('alias/data-platform')).sort()).toEqual(
      [`${W}|${HOME}|alias/data-platform`, `${E}|${HOME}|alias/data-platform`].sort(),
    );
  });

  it('a region the policy names no key for is a typed error', async () => {
    const keys = new KeyResolver(clients, testPolicy({ cmk: { keys: { [E]: arn(E, 'east-cmk') } } }));
    await expect(keys.regionalCmk(W)).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
  });
});
