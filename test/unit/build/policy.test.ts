import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../scripts/build';
import { readServerlessYml } from '../../../testbed/serverless-yml';

describe('npm run build with a bad policy', () => {
  it('prints the problem list once, no stack trace, exits 2, and leaves .build/ as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'build-'));
    const buildDir = join(dir, '.build');
    mkdirSync(join(buildDir, 'on-change'), { recursive: true });
    writeFileSync(join(buildDir, 'on-change', 'index.js'), '// previous build');
    const bad = join(dir, 'policy.yaml');
    writeFileSync(bad, 'cmk: { alias: alias/x }\nregions: [eu-wset-1]\nmode: fix-it\n');
    const err: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((s) => {
      err.push(String(s));
      return true;
    });
    let code: number;
    try {
      code = await main([], { buildDir, policySource: bad });
    } finally {
      spy.mockRestore();
    }
    expect(code).toBe(2);
    const text = err.join('');
    expect(text.match(/Invalid policy/g)).toHaveLength(1);
    expect(text).toMatch(/regions\.0: "eu-wset-1" is not an AWS region[\s\S]*mode: expected one of/);
    expect(text).not.toMatch(/\n\s+at /);
    expect(existsSync(join(buildDir, 'on-change', 'index.js'))).toBe(true);
  });
});

describe('uninstall keeps the audit trail readable', () => {
  it('the service key is retained with the audit table it encrypts', () => {
    const r = readServerlessYml().resources.Resources;
    expect(r.AuditTable).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(r.AuditTable.Properties.SSESpecification.KMSMasterKeyId).toEqual({ 'Fn::GetAtt': ['ServiceKey', 'Arn'] });
    expect(r.ServiceKey).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});
