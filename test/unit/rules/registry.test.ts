import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { RuleMeta } from '../../../shared/rules/contract';
import { RULES } from '../../../shared/rules/registry';
import { LAMBDA_BUILD_OPTIONS } from '../../../scripts/build';

/**
 * The registry must cost a cold start no SDK: rule metadata is eager, implementations load
 * on first use. Module loads are only visible in a fresh process, so each check runs a probe
 * in a child `node` and reads require.cache there: once through esbuild-register (the sources,
 * as the CLI and scripts run them) and once through an esbuild bundle built like the Lambda's.
 */

const ROOT = join(__dirname, '..', '..', '..');

/** An S3 PutBucketEncryption call as EventBridge delivers it. */
const S3_EVENT = {
  version: '0',
  id: 'e1',
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.s3',
  account: '123456789012',
  time: '2026-11-27T10:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    eventVersion: '1.09',
    eventSource: 's3.amazonaws.com',
    eventName: 'PutBucketEncryption',
    awsRegion: 'us-east-1',
    eventID: 'c1',
    userIdentity: { arn: 'arn:aws:iam::123456789012:user/alice' },
    requestParameters: { bucketName: 'orders' },
    responseElements: null,
  },
};

interface Probe {
  refs: string[];
  /** Packages (node_modules/<pkg>) and source files under shared/rules/ in require.cache at each step. */
  afterNormalise: { packages: string[]; ruleFiles: string[] };
  loadedType: string;
  afterS3: { packages: string[]; ruleFiles: string[] };
}

/** Runs in the child: `mods()` returns { RULES, loadRule, normalise }. Plain JS, no transform. */
const probeSource = (mods: string): string => `
const loaded = () => {
  const keys = Object.keys(require.cache).map((k) => k.split('\\\\').join('/'));
  const packages = [...new Set(keys.map((k) => /\\/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(k)?.[1]).filter(Boolean))].sort();
  const ruleFiles = keys.filter((k) => k.includes('/shared/rules/')).map((k) => k.slice(k.indexOf('/shared/rules/') + 1)).sort();
  return { packages, ruleFiles };
};
const { RULES, loadRule, normalise } = ${mods};
const n = normalise(${JSON.stringify(S3_EVENT)}, RULES);
const out = { refs: n.kind === 'resources' ? n.refs.map((r) => r.type + ':' + r.id) : [n.kind], afterNormalise: loaded() };
loadRule('s3-bucket').then((rule) => {
  out.loadedType = rule.type;
  out.afterS3 = loaded();
  process.stdout.write(JSON.stringify(out));
}).catch((e) => { console.error(e); process.exit(1); });
`;

const run = (script: string, env: NodeJS.ProcessEnv = process.env): Probe =>
  JSON.parse(
    execFileSync(process.execPath, ['-e', script], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  ) as Probe;

/** What a meta.ts (and so the registry and the normaliser) must never pull in, directly or not. */
const HEAVY = /^(@aws-sdk|@smithy|@aws-lambda-powertools)\/|^(zod|yaml)$/;
const OTHER_SDK_CLIENTS = [
  '@aws-sdk/client-rds',
  '@aws-sdk/client-redshift',
  '@aws-sdk/client-emr',
  '@aws-sdk/client-iam',
];

const expectLazy = (p: Probe): void => {
  // Both S3 rules that watch PutBucketEncryption are matched from metadata alone...
  expect(p.refs).toEqual(expect.arrayContaining(['s3-bucket:orders', 's3-replication:to:orders']));
  // ...with no SDK, no schema library, no Powertools loaded.
  expect(p.afterNormalise.packages.filter((m) => HEAVY.test(m))).toEqual([]);
  // The first S3 resource loads the S3 client and nothing of the other services.
  expect(p.loadedType).toBe('s3-bucket');
  expect(p.afterS3.packages).toContain('@aws-sdk/client-s3');
  for (const client of OTHER_SDK_CLIENTS) expect(p.afterS3.packages).not.toContain(client);
};

describe('registry: metadata eager, implementations lazy', () => {
  it('through esbuild-register (CLI, scripts): no SDK until a rule loads, then only its own', () => {
    const p = run(`
require('esbuild-register/dist/node').register({ target: 'node20', format: 'cjs', supported: { 'dynamic-import': false } });
${probeSource(`{ ...require('./shared/rules/registry'), ...require('./shared/events/normalise') }`)}`);
    expectLazy(p);
    // Every meta.ts is loaded, and no rule implementation until asked; then only s3-bucket's folder.
    expect(p.afterNormalise.ruleFiles.filter((f) => /\/(index|rule)\.ts$/.test(f))).toEqual([]);
    const metas = readdirSync(join(ROOT, 'shared', 'rules'))
      .filter((d) => existsSync(join(ROOT, 'shared', 'rules', d, 'meta.ts')))
      .map((d) => `shared/rules/${d}/meta.ts`);
    expect(p.afterNormalise.ruleFiles.filter((f) => f.endsWith('/meta.ts'))).toEqual(metas.sort());
    const implementations = p.afterS3.ruleFiles
      .map((f) => f.split('/'))
      .filter((parts) => parts.length > 3 && parts[3] !== 'meta.ts')
      .map((parts) => parts[2]);
    expect(new Set(implementations)).toEqual(new Set(['s3-bucket']));
  });

  it("through an esbuild bundle built with the Lambda's options (SDK external): the same", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'registry-lazy-'));
    try {
      const outfile = join(dir, 'probe.js');
      await build({
        stdin: {
          contents:
            "export { RULES, loadRule } from './shared/rules/registry'; export { normalise } from './shared/events/normalise';",
          resolveDir: ROOT,
          loader: 'ts',
          sourcefile: 'probe-entry.ts',
        },
        ...LAMBDA_BUILD_OPTIONS,
        outfile,
        logLevel: 'silent',
      });
      // The bundle lives outside the repo: resolve its externals from the repo's node_modules.
      const p = run(probeSource(`require(${JSON.stringify(outfile)})`), {
        ...process.env,
        NODE_PATH: join(ROOT, 'node_modules'),
      });
      expectLazy(p);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('registry entries and the rules they load', () => {
  const META_KEYS: readonly (keyof RuleMeta)[] = [
    'type',
    'service',
    'cloudTrail',
    'stateChange',
    'configTypes',
    'permissions',
    'arn',
  ];

  it.each(RULES.map((e) => [e.type, e] as const))(
    '%s loads the rule of its type, sharing its metadata objects',
    async (_type, entry) => {
      const rule = await entry.load();
      expect(rule.type).toBe(entry.type);
      // The very same objects: a rule cannot drift from the metadata events and IAM are checked against.
      expect(META_KEYS.filter((k) => rule[k] !== entry[k])).toEqual([]);
      expect(typeof rule.describe).toBe('function');
      expect(typeof rule.evaluate).toBe('function');
    },
  );
});
