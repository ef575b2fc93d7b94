import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESOURCE_TYPES } from '../../../shared/rules/type-ids';
import {
  compilePolicy,
  COMPILED_POLICY_FORMAT,
  DEFAULT_POLICY_PATH,
  loadPolicy,
  loadPolicyFile,
  parsePolicyYaml,
} from '../../../shared/policy/policy';

const problems = (yaml: string): string => {
  try {
    parsePolicyYaml(yaml, 'p.yaml');
  } catch (e) {
    expect((e as { code: string }).code).toBe('INVALID_POLICY');
    return (e as Error).message;
  }
  throw new Error('expected the policy to be rejected');
};

describe('policy', () => {
  it('loads the default policy that ships in the repo: report only, until a type is opted in', () => {
    const p = loadPolicyFile(DEFAULT_POLICY_PATH);
    expect(p.doc.cmk.alias).toBe('alias/data-platform');
    for (const t of RESOURCE_TYPES) expect(p.modeFor(t)).toBe('report');
    expect(p.gates).toEqual({
      deleteOriginals: false,
      cutOver: false,
      terminateClusters: false,
      modifySharedParameterGroups: false,
    });
  });

  it('fills defaults: report mode, the exemption tag, every gate off', () => {
    const p = parsePolicyYaml('cmk: { alias: alias/x }');
    expect(p.doc.mode).toBe('report');
    expect(p.doc.exemptTag).toBe('cmk-sentinel:exempt');
    expect(Object.values(p.gates).every((g) => g === false)).toBe(true);
    expect(p.regions('ap-south-1')).toEqual(['ap-south-1']);
  });

  it('per-type mode overrides the default; an explicit key map gives the regions', () => {
    const p = parsePolicyYaml(`
cmk:
  keys:
    us-east-1: arn:aws:kms:us-east-1:111122223333:key/abc
    eu-west-1: arn:aws:kms:eu-west-1:111122223333:key/def
mode: report
types:
  s3-bucket: { mode: quarantine }
`);
    expect(p.modeFor('s3-bucket')).toBe('quarantine');
    expect(p.regions('x')).toEqual(['us-east-1', 'eu-west-1']);
  });

  it('exemption needs the tag naming an unexpired waiver of the policy (the tag alone, "true", no longer exempts)', () => {
    const p = parsePolicyYaml(
      [
        'cmk: { alias: alias/x }',
        'waivers:',
        '  - { id: W-1, resources: ["arn:aws:s3:::legal-*"], checks: ["*"], reason: r, owner: o, approval: CHG-1, approvedOn: "2026-06-01", expires: "2026-12-31" }',
      ].join('\n'),
    );
    const now = new Date('2026-12-01T00:00:00Z');
    expect(p.isExempt({ 'cmk-sentinel:exempt': 'true' }, undefined, now)).toBe(false);
    expect(p.isExempt({ 'cmk-sentinel:exempt': 'W-1' }, undefined, now)).toBe(true);
    expect(p.isExempt({ 'cmk-sentinel:exempt': 'W-1' }, 'arn:aws:s3:::legal-hold', now)).toBe(true);
    expect(p.isExempt({ 'cmk-sentinel:exempt': 'W-1' }, 'arn:aws:s3:::other', now)).toBe(false);
    expect(p.isExempt({ 'cmk-sentinel:exempt': 'W-1' }, undefined, new Date('2027-01-01T00:00:00Z'))).toBe(false);
    expect(p.isExempt({})).toBe(false);
  });

  it.each([
    [
      'cmk: { alias: data-platform }',
      'cmk.alias: expected a KMS alias name starting with "alias/" (got "data-platform")',
    ],
    ['cmk: { alias: alias/aws/s3 }', 'cmk.alias: an AWS-managed alias (alias/aws/*) is never a customer-managed key'],
    ['cmk: {}', 'cmk: expected "alias"'],
    ['mode: remediate', 'cmk: '],
    ['cmk: { alias: alias/x }\nmode: fix', 'mode: expected one of remediate | quarantine | report'],
    [
      'cmk: { alias: alias/x }\ntypes: { s3-buckets: { mode: report } }',
      'types: unknown resource type(s) "s3-buckets"; expected one of',
    ],
    ['cmk: { alias: alias/x }\ntypes: { s3-bucket: { mode: nuke } }', 'types.s3-bucket.mode: expected one of'],
    ['cmk: { keys: { us-east-1: "key/abc" } }', 'cmk.keys.us-east-1: expected a full KMS key ARN'],
    [
      'cmk: { keys: { useast1: "arn:aws:kms:us-east-1:111122223333:key/a" } }',
      'cmk.keys.useast1: expected an AWS region name',
    ],
    [
      'cmk: { keys: { eu-west-1: "arn:aws:kms:us-east-1:111122223333:key/a" } }',
      'must be in the region it is listed under',
    ],
    ['cmk: { alias: alias/x }\ngates: { cutover: true }', 'gates: '],
    ['cmk: { alias: alias/x }\ngates: { cutOver: "yes" }', 'gates.cutOver: expected true or false'],
    ['cmk: { alias: alias/x }\nregions: []', 'regions: expected at least one region'],
    ['cmk: [1, 2', 'not valid YAML at line'],
    ['- just\n- a list', 'expected a YAML mapping at the top level'],
  ])('rejects %j naming the field', (yaml, message) => {
    const text = problems(yaml);
    expect(text).toContain('Invalid policy p.yaml');
    expect(text).toContain(message);
  });

  it('reads the file named by CMK_SENTINEL_POLICY and names an unreadable one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-'));
    const file = join(dir, 'p.yaml');
    writeFileSync(file, 'cmk: { alias: alias/from-env }\nmode: quarantine\n');
    expect(loadPolicy({ CMK_SENTINEL_POLICY: file }).doc.cmk.alias).toBe('alias/from-env');
    expect(() => loadPolicy({ CMK_SENTINEL_POLICY: join(dir, 'missing.yaml') })).toThrow(
      /Cannot read policy file .*missing\.yaml/,
    );
  });

  describe('compiled at build time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-compiled-'));
    const yaml = join(dir, 'p.yaml');
    writeFileSync(yaml, 'cmk: { alias: alias/x }\ntypes: { s3-bucket: { mode: quarantine } }\n');
    const compiled = join(dir, 'policy.json');
    const bundle = process.env.CMK_SENTINEL_BUNDLE;
    afterEach(() => {
      if (bundle === undefined) delete process.env.CMK_SENTINEL_BUNDLE;
      else process.env.CMK_SENTINEL_BUNDLE = bundle;
    });

    it('writes the validated document with its defaults, and loads it back as the same policy', () => {
      const p = compilePolicy(yaml, compiled);
      const raw = JSON.parse(readFileSync(compiled, 'utf8'));
      expect(raw).toMatchObject({
        format: COMPILED_POLICY_FORMAT,
        source: 'p.yaml',
        document: { mode: 'report', exemptTag: 'cmk-sentinel:exempt' },
      });
      expect(loadPolicyFile(compiled).doc).toEqual(p.doc);
      expect(loadPolicyFile(compiled).modeFor('s3-bucket')).toBe('quarantine');
    });

    it('refuses to compile an invalid policy, so a bad policy fails the build', () => {
      writeFileSync(join(dir, 'bad.yaml'), 'cmk: { alias: data-platform }\n');
      expect(() => compilePolicy(join(dir, 'bad.yaml'), join(dir, 'bad.json'))).toThrow(/cmk\.alias/);
      expect(existsSync(join(dir, 'bad.json'))).toBe(false);
    });

    it('validates a plain JSON policy like YAML, and names JSON that does not parse', () => {
      writeFileSync(join(dir, 'plain.json'), JSON.stringify({ cmk: { alias: 'alias/aws/s3' } }));
      expect(() => loadPolicyFile(join(dir, 'plain.json'))).toThrow(/never a customer-managed key/);
      writeFileSync(join(dir, 'broken.json'), '{ "cmk": ');
      expect(() => loadPolicyFile(join(dir, 'broken.json'))).toThrow(/Invalid policy .*broken\.json: not valid JSON/);
    });

    it('a Lambda bundle (built without the validator) loads the compiled policy and refuses anything else by name', () => {
      compilePolicy(yaml, compiled);
      process.env.CMK_SENTINEL_BUNDLE = 'lambda';
      expect(loadPolicyFile(compiled).doc.cmk.alias).toBe('alias/x');
      expect(() => loadPolicyFile(yaml)).toThrow(
        expect.objectContaining({
          code: 'INVALID_POLICY',
          message: expect.stringContaining('not the compiled policy.json'),
        }),
      );
    });
  });
});
