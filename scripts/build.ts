import { build, type BuildOptions } from 'esbuild';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isSentinelError } from '../shared/errors';
import { loadPolicyFile, writeCompiledPolicy } from '../shared/policy/policy';
import { writeDeployment } from './deploy/write';

/**
 * Bundles each function under functions/ into .build/<name>/index.js with the default policy beside it,
 * validated here (a bad policy fails the build, not the first event) and written as policy.json.
 */
export const FUNCTIONS_DIR = join(__dirname, '..', 'functions');
export const BUILD_DIR = join(__dirname, '..', '.build');

export const functionNames = (): string[] =>
  readdirSync(FUNCTIONS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);

/** How every function is bundled (the tests build their probes the same way). */
export const LAMBDA_BUILD_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  // CJS: ESM bundles with Powertools fail on a dynamic require; `module` first tree-shakes the SDK.
  format: 'cjs',
  // import() of a lazily loaded module becomes a deferred require(): the SDK is then found exactly as a
  // static import finds it (Lambda resolves the runtime's SDK through NODE_PATH, which import() ignores).
  supported: { 'dynamic-import': false },
  mainFields: ['module', 'main'],
  minify: true,
  // The Lambda Node.js 22 runtime ships AWS SDK v3: leaving it out keeps each zip far under 300 KB and
  // the cold start short. Local runs and tests use the pinned SDK from package-lock.json.
  external: ['@aws-sdk/*', '@smithy/*'],
  // Lambda bundles read the policy `main` compiles beside them; this drops the validator (zod, yaml) from them.
  define: { 'process.env.CMK_SENTINEL_BUNDLE': '"lambda"' },
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
};

/**
 * The policy is validated before anything is touched: a bad one prints its problem list once (no stack trace) and
 * leaves the previous .build/ in place.
 */
export const main = async (
  _args: string[] = [],
  opts: { buildDir?: string; policySource?: string } = {},
): Promise<number> => {
  const buildDir = opts.buildDir ?? BUILD_DIR;
  const policySource = opts.policySource ?? (process.env.CMK_SENTINEL_POLICY || join(__dirname, '..', 'policy.yaml'));
  let policy;
  try {
    policy = loadPolicyFile(policySource);
  } catch (e) {
    if (!isSentinelError(e) || e.code !== 'INVALID_POLICY') throw e;
    process.stderr.write(`npm run build: ${e.message}\n.build/ left as it was.\n`);
    return 2;
  }
  rmSync(buildDir, { recursive: true, force: true });
  for (const name of functionNames()) {
    const outdir = join(buildDir, name);
    mkdirSync(outdir, { recursive: true });
    await build({
      ...LAMBDA_BUILD_OPTIONS,
      entryPoints: [join(FUNCTIONS_DIR, name, 'handler.ts')],
      outfile: join(outdir, 'index.js'),
    });
    writeCompiledPolicy(policy, policySource, join(outdir, 'policy.json'));
  }
  // The stacks' rule-derived parts (patterns, IAM, the member template). They scope KMS writes to cmk.alias: without
  // one they are not written, and `serverless package` refuses the policy (scripts/iam-parameters.js says why).
  if ((policy.doc as { cmk?: { alias?: string } }).cmk?.alias) writeDeployment(buildDir, policy.doc);
  else process.stderr.write('npm run build: the policy names no cmk.alias: .build/deploy/ not written.\n');
  return 0;
};
