import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
export const PACKAGE_STAGE = 'ci';
export const PACKAGE_REGION = 'us-east-1';

export interface Template {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  Resources: Record<string, { Type: string; Properties: Record<string, any> }>;
}

// What the packaged template is made of: when none of these changed, the cached one is what `serverless package` gives.
const INPUTS = [
  'serverless.yml',
  'policy.yaml',
  'shared/workflows/rds-reencrypt/definition.asl.json',
  'scripts/build.ts',
  'scripts/iam-parameters.js',
  'package-lock.json',
];
const hashInputs = (): string => {
  // Bumped when what the cache holds changes (now the functions' policy.json files too).
  const h = createHash('sha256').update('cache-v2');
  for (const f of INPUTS) if (existsSync(join(root, f))) h.update(f).update(readFileSync(join(root, f)));
  // The build reads the policy module too (it compiles the policy and derives the IAM parameters from it), and
  // generates the patterns and IAM from the rules' metadata (scripts/deploy/).
  for (const dir of [
    'shared/policy',
    'shared/rules',
    'shared/tamper',
    'shared/workflows/rds-reencrypt',
    'shared/securityhub',
    'shared/backfill',
    'scripts/deploy',
  ])
    for (const f of readdirSync(join(root, dir), { recursive: true }) as string[])
      if (statSync(join(root, dir, f)).isFile()) h.update(f).update(readFileSync(join(root, dir, f)));
  return h.digest('hex').slice(0, 16);
};

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * The CloudFormation template `serverless package` produces from this checkout (`npm run package`, offline,
 * stage ci, us-east-1): built once per content of its inputs and cached under node_modules/.cache, with a
 * directory lock so parallel jest workers package once.
 */
const packageDir = (): string => join(root, 'node_modules', '.cache', 'cmk-sentinel-package', hashInputs());

/** The compiled policy (`.build/<fn>/policy.json`) packaged with the function `fn` (on-change, backfill-worker). */
export const packagedPolicy = (fn: string): { document: Record<string, unknown> } => {
  packagedTemplate();
  return JSON.parse(readFileSync(join(packageDir(), `${fn}.policy.json`), 'utf8'));
};

export const packagedTemplate = (): Template => {
  const dir = packageDir();
  const file = join(dir, 'cloudformation-template-update-stack.json');
  const lock = `${dir}.lock`;
  for (let i = 0; !existsSync(file); i++) {
    mkdirSync(join(dir, '..'), { recursive: true });
    let mine = false;
    try {
      mkdirSync(lock);
      mine = true;
    } catch {
      /* another worker packages */
    }
    if (mine) {
      try {
        execFileSync('node', ['scripts/run.js', 'scripts/build.ts'], { cwd: root, stdio: 'pipe' });
        execFileSync(
          join(root, 'node_modules', '.bin', 'serverless'),
          ['package', '--stage', PACKAGE_STAGE, '--region', PACKAGE_REGION, '--package', dir],
          {
            cwd: root,
            stdio: 'pipe',
            env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
            timeout: 120_000,
          },
        );
        // The policy each function's zip carries, beside the template: a cache hit leaves .build/ as it was.
        // (.build/deploy/ holds the generated stack parts, no policy.)
        for (const fn of readdirSync(join(root, '.build')).filter((f) =>
          existsSync(join(root, '.build', f, 'policy.json')),
        ))
          copyFileSync(join(root, '.build', fn, 'policy.json'), join(dir, `${fn}.policy.json`));
      } finally {
        rmSync(lock, { recursive: true, force: true });
      }
    } else {
      // A lock older than two minutes is a worker that died: take it over.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        /* gone */
      }
      sleep(250);
    }
    if (i > 1000) throw new Error(`serverless package did not produce ${file}`);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as Template;
};
