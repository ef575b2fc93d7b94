import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { auditRecord } from '../../shared/audit/audit';
import { deadLetterBody } from '../../shared/dlq/dead-letter';
import { MASK, redact } from '../../shared/redact';

const rds = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'cloudtrail', 'event-cloud-trail-create-db.json'), 'utf8'),
);

describe('redaction: secrets never reach logs, alerts, audit records or dead letters', () => {
  it("keeps the real RDS record's masked fields masked and masks a plaintext password put in their place", () => {
    const out = redact(rds);
    expect(out.requestParameters.masterUserPassword).toBe(MASK);
    expect(out.requestParameters.tdeCredentialPassword).toBe(MASK);
    expect(out.responseElements.pendingModifiedValues.masterUserPassword).toBe(MASK);
    const leaked = structuredClone(rds);
    leaked.requestParameters.masterUserPassword = 'hunter2-plaintext';
    leaked.responseElements.pendingModifiedValues.masterUserPassword = 'hunter2-plaintext';
    expect(JSON.stringify(redact(leaked))).not.toContain('hunter2-plaintext');
    // Everything else survives, so the record stays useful.
    expect(out.requestParameters).toMatchObject({
      dBInstanceIdentifier: 'onenessdb',
      masterUsername: 'root',
      engine: 'MySQL',
      allocatedStorage: 5,
    });
    expect(out.userIdentity.arn).toBe(rds.userIdentity.arn);
  });

  it('masks password-like keys at any depth, inline secrets and URL credentials; leaves booleans readable', () => {
    const out = redact({
      a: {
        SecretString: 's1',
        sessionToken: 't1',
        apiKey: 'k1',
        privateKey: 'p1',
        Authorization: 'AWS4 x',
        manageMasterUserPassword: true,
      },
      list: [{ password: 'p2' }],
      note: 'connect with password=p3; then',
      url: 'postgres://admin:p4@db.example:5432/x',
      kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/abc',
    });
    const text = JSON.stringify(out);
    for (const s of ['s1', 't1', 'k1', 'p1', 'AWS4 x', 'p2', 'p3', 'p4']) expect(text).not.toContain(`"${s}"`);
    expect(text).not.toMatch(/p3|p4/);
    expect(out.a.manageMasterUserPassword).toBe(true);
    expect(out.kmsKeyId).toBe('arn:aws:kms:us-east-1:123456789012:key/abc');
  });

  it('is applied to dead letters and audit records that echo request parameters', () => {
    const leaked = {
      detail: {
        ...structuredClone(rds),
        requestParameters: { ...rds.requestParameters, masterUserPassword: 'hunter2-plaintext' },
      },
    };
    expect(deadLetterBody(leaked, { code: 'X', message: 'm' }, new Date())).not.toContain('hunter2-plaintext');
    const record = auditRecord(
      {
        ref: { type: 's3-bucket', account: '1', region: 'us-east-1', id: 'b' },
        status: 'NON_COMPLIANT',
        action: 'REMEDIATE',
        result: 'VERIFIED',
        before: { password: 'hunter2-plaintext' },
      },
      { eventName: 'x', source: 'y' },
      new Date(),
    );
    expect(JSON.stringify(record)).not.toContain('hunter2-plaintext');
  });

  it('survives cycles and bounds huge strings', () => {
    const a: Record<string, unknown> = { x: 'y'.repeat(5000) };
    a.self = a;
    const out = redact(a, 100) as Record<string, unknown>;
    expect(out.self).toBe('[Circular]');
    expect((out.x as string).length).toBeLessThan(200);
  });
});
