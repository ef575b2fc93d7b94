import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPILED_POLICY_FORMAT, loadPolicyFile } from '../../shared/policy/policy';

const root = join(__dirname, '..', '..');
const out = mkdtempSync(join(tmpdir(), 'sls-package-'));

/** The deployable artefact: built offline by the pinned framework and clean under cfn-lint. */
describe('serverless package + cfn-lint', () => {
  beforeAll(() => {
    execFileSync('node', ['scripts/run.js', 'scripts/build.ts'], { cwd: root, stdio: 'pipe' });
    execFileSync(
      join(root, 'node_modules', '.bin', 'serverless'),
      ['package', '--stage', 'ci', '--region', 'us-east-1', '--package', out],
      {
        cwd: root,
        stdio: 'pipe',
        env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
        timeout: 120_000,
      },
    );
  }, 180_000);

  it('produces a CloudFormation template that cfn-lint passes with no errors or warnings', () => {
    const template = join(out, 'cloudformation-template-update-stack.json');
    let output = '';
    let code = 0;
    try {
      output = execFileSync('cfn-lint', [template], { encoding: 'utf8' });
    } catch (e) {
      code = (e as { status: number }).status;
      output = String((e as { stdout: string }).stdout);
    }
    expect(output.trim()).toBe('');
    expect(code).toBe(0);
    const t = JSON.parse(readFileSync(template, 'utf8'));
    expect(
      Object.values(t.Resources).filter((r) => (r as { Type: string }).Type === 'AWS::Events::Rule').length,
    ).toBeGreaterThan(0);
  });

  it('the member-account template the build generated passes cfn-lint with no errors or warnings', () => {
    const member = join(root, '.build', 'deploy', 'member-stack.json');
    let output = '';
    let code = 0;
    try {
      output = execFileSync('cfn-lint', [member], { encoding: 'utf8' });
    } catch (e) {
      code = (e as { status: number }).status;
      output = String((e as { stdout: string }).stdout);
    }
    expect(output.trim()).toBe('');
    expect(code).toBe(0);
    const t = JSON.parse(readFileSync(member, 'utf8'));
    expect(t.Resources.MemberRole.Type).toBe('AWS::IAM::Role');
  });

  it('each function zip stays under 300 KB (the runtime provides the AWS SDK)', () => {
    const zips = readdirSync(out).filter((f) => f.endsWith('.zip'));
    expect(zips.length).toBeGreaterThanOrEqual(4);
    for (const z of zips)
      expect({ z, under300k: statSync(join(out, z)).size < 300 * 1024 }).toEqual({ z, under300k: true });
  });

  it('each function reads the policy its build validated, from inside its own zip', () => {
    const t = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8'));
    const functions = Object.values(
      t.Resources as Record<
        string,
        { Type: string; Properties: { Environment?: { Variables?: Record<string, unknown> }; Code: { S3Key: string } } }
      >,
    ).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions.length).toBe(5);
    const shipped = loadPolicyFile(join(root, 'policy.yaml')).doc;
    for (const f of functions) {
      const path = f.Properties.Environment?.Variables?.CMK_SENTINEL_POLICY;
      expect(typeof path).toBe('string');
      const zip = join(out, f.Properties.Code.S3Key.split('/').pop() as string);
      // Lambda's working directory is the package root: the relative path must name a file in this zip.
      const compiled = JSON.parse(execFileSync('unzip', ['-p', zip, path as string], { encoding: 'utf8' }));
      expect(compiled).toMatchObject({ format: COMPILED_POLICY_FORMAT, source: 'policy.yaml' });
      expect(compiled.document).toEqual(shipped);
    }
  });

  it('no bundle loads an AWS SDK client, zod or yaml in its init phase: those load with the first event that needs them', () => {
    const probe = `
      const Module = require('module'); const load = Module._load; const seen = new Set();
      Module._load = function (r) { if (/^(@aws-sdk|@smithy|zod|yaml)/.test(r)) seen.add(r); return load.apply(this, arguments); };
      const m = require(process.argv[1]);
      process.stdout.write(JSON.stringify({ handler: typeof m.handler, loaded: [...seen] }));`;
    const build = join(root, '.build');
    // deploy/ holds the generated stack parts (scripts/deploy/), not a bundle.
    const names = readdirSync(build).filter((n) => n !== 'deploy');
    expect(names.sort()).toEqual(['backfill', 'backfill-worker', 'on-change', 'waiver-check', 'workflow-step']);
    for (const name of names) {
      const res = JSON.parse(
        execFileSync(process.execPath, ['-e', probe, join(build, name, 'index.js')], {
          encoding: 'utf8',
          env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' },
        }),
      );
      expect({ name, ...res }).toEqual({ name, handler: 'function', loaded: [] });
      // A lazy load must stay a require(): Lambda finds its runtime's SDK through NODE_PATH, which import() ignores.
      expect({
        name,
        esmImports: readFileSync(join(build, name, 'index.js'), 'utf8').match(/\bimport\(["'][^."']/g) ?? [],
      }).toEqual({ name, esmImports: [] });
    }
  });
});
