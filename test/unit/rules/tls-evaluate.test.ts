import type { EvaluationContext } from '../../../shared/rules/contract';
import { evaluateParamGroupTls, isOn, type ParamGroupTlsState, rdsTlsParam } from '../../../shared/tls/parameter-group';
import { tlsGroupName } from '../../../shared/tls/parameter-group-apply';
import {
  evaluateS3Tls,
  isTlsDeny,
  MAX_POLICY_BYTES,
  mergeTlsStatement,
  TLS_SID,
  tlsStatement,
} from '../../../shared/rules/s3-tls/evaluate';
import { testPolicy } from '../../support/harness';

const B = 'data-bucket';
const ctx: EvaluationContext = {
  region: 'us-east-1',
  policy: testPolicy(),
  cmk: {
    arn: 'arn:aws:kms:us-east-1:111122223333:key/k',
    keyId: 'k',
    region: 'us-east-1',
    account: '111122223333',
    managedBy: 'CUSTOMER',
  },
};
const doc = (...Statement: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const tls = (over: Record<string, unknown> = {}) => ({ ...tlsStatement(B), Sid: 'Theirs', ...over });
const allow = {
  Sid: 'Read',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::111122223333:role/reader' },
  Action: 's3:GetObject',
  Resource: `arn:aws:s3:::${B}/*`,
};

describe('s3-tls evaluate', () => {
  it.each([
    ['no policy', undefined, 'NON_COMPLIANT', 'NO_TLS'],
    ['not JSON', '{"Statement": [', 'NON_COMPLIANT', 'POLICY_UNREADABLE'],
    ['a JSON array', '[]', 'NON_COMPLIANT', 'POLICY_UNREADABLE'],
    ['a Statement that is a string', JSON.stringify({ Statement: 'deny all' }), 'NON_COMPLIANT', 'POLICY_UNREADABLE'],
    ['only allows', doc(allow), 'NON_COMPLIANT', 'NO_TLS'],
    [
      'several statements with the deny among them',
      doc(allow, tls(), { ...allow, Sid: 'Other' }),
      'COMPLIANT',
      undefined,
    ],
    ['a single Statement object', JSON.stringify({ Statement: tls() }), 'COMPLIANT', undefined],
    [
      'Principal {AWS: "*"}, Action "*", bucket wildcard, boolean false',
      doc(
        tls({
          Principal: { AWS: '*' },
          Action: '*',
          Resource: `arn:aws:s3:::${B}*`,
          Condition: { Bool: { 'aws:SecureTransport': false } },
        }),
      ),
      'COMPLIANT',
      undefined,
    ],
    [
      'BoolIfExists and value in a list',
      doc(tls({ Condition: { BoolIfExists: { 'aws:SecureTransport': ['false'] } } })),
      'COMPLIANT',
      undefined,
    ],
    ['objects only', doc(tls({ Resource: `arn:aws:s3:::${B}/*` })), 'NON_COMPLIANT', 'NO_TLS'],
    [
      'another bucket',
      doc(tls({ Resource: ['arn:aws:s3:::other', 'arn:aws:s3:::other/*'] })),
      'NON_COMPLIANT',
      'NO_TLS',
    ],
    [
      'one principal only',
      doc(tls({ Principal: { AWS: 'arn:aws:iam::111122223333:role/x' } })),
      'NON_COMPLIANT',
      'NO_TLS',
    ],
    ['GetObject only', doc(tls({ Action: 's3:GetObject' })), 'NON_COMPLIANT', 'NO_TLS'],
    ['an Allow with the condition', doc(tls({ Effect: 'Allow' })), 'NON_COMPLIANT', 'NO_TLS'],
    [
      'SecureTransport true',
      doc(tls({ Condition: { Bool: { 'aws:SecureTransport': 'true' } } })),
      'NON_COMPLIANT',
      'NO_TLS',
    ],
    [
      'an extra condition that narrows the deny',
      doc(
        tls({ Condition: { Bool: { 'aws:SecureTransport': 'false' }, IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }),
      ),
      'NON_COMPLIANT',
      'NO_TLS',
    ],
  ])('%s', (_l, policy, status, reason) => {
    const f = evaluateS3Tls({ bucket: B, region: 'us-east-1', policy }, ctx);
    expect(f.status).toBe(status);
    expect(f.reason).toBe(reason);
  });
});

describe('mergeTlsStatement', () => {
  it('adds one statement after all others, kept byte-for-byte in meaning, with the fixed Sid', () => {
    const before = { Version: '2012-10-17', Id: 'p1', Statement: [allow, { ...allow, Sid: 'Two' }] };
    const merged = JSON.parse(mergeTlsStatement(JSON.stringify(before), B) as string);
    expect(merged.Id).toBe('p1');
    expect(merged.Statement.slice(0, 2)).toEqual(before.Statement);
    expect(merged.Statement[2]).toEqual(tlsStatement(B));
    expect(isTlsDeny(merged.Statement[2], B)).toBe(true);
    // Idempotent: merging the result again changes nothing.
    expect(mergeTlsStatement(JSON.stringify(merged), B)).toBeUndefined();
  });

  it('a single Statement object becomes a list; no policy becomes a new one', () => {
    expect(
      JSON.parse(mergeTlsStatement(JSON.stringify({ Version: '2012-10-17', Statement: allow }), B) as string).Statement,
    ).toEqual([allow, tlsStatement(B)]);
    expect(JSON.parse(mergeTlsStatement(undefined, B) as string)).toEqual({
      Version: '2012-10-17',
      Statement: [tlsStatement(B)],
    });
  });

  it('our own Sid on a weakened statement is replaced, not duplicated', () => {
    const weakened = { ...tlsStatement(B), Resource: `arn:aws:s3:::${B}/*` };
    const merged = JSON.parse(mergeTlsStatement(doc(allow, weakened), B) as string);
    expect(merged.Statement.filter((s: { Sid?: string }) => s.Sid === TLS_SID)).toEqual([tlsStatement(B)]);
    expect(merged.Statement[0]).toEqual(allow);
  });

  it('a policy that is not JSON, or would grow past 20 KB, is a typed INVALID_DOCUMENT error', () => {
    expect(() => mergeTlsStatement('not json', B)).toThrow(expect.objectContaining({ code: 'INVALID_DOCUMENT' }));
    const statements: unknown[] = [];
    // Just under the limit before, over it with the TLS statement.
    while (doc(...statements).length < MAX_POLICY_BYTES - 150)
      statements.push({ ...allow, Sid: `S${statements.length}` });
    const big = doc(...statements);
    expect(big.length).toBeLessThanOrEqual(MAX_POLICY_BYTES);
    expect(() => mergeTlsStatement(big, B)).toThrow(
      expect.objectContaining({ code: 'INVALID_DOCUMENT', message: expect.stringMatching(/20480-byte limit/) }),
    );
  });
});

describe('parameter-group TLS evaluate', () => {
  const state = (over: Partial<ParamGroupTlsState> = {}): ParamGroupTlsState => ({
    id: 'db1',
    region: 'us-east-1',
    engine: 'postgres',
    group: 'default.postgres16',
    isDefault: true,
    param: 'rds.force_ssl',
    sharedWith: [],
    ...over,
  });

  it.each([
    ['postgres', 'rds.force_ssl'],
    ['sqlserver-se', 'rds.force_ssl'],
    ['mysql', 'require_secure_transport'],
    ['mariadb', 'require_secure_transport'],
    ['aurora-postgresql', undefined],
    ['oracle-ee', undefined],
  ])('engine %s → %s', (engine, param) => {
    expect(rdsTlsParam(engine).param).toBe(param);
  });

  it.each([
    ['1', true],
    ['ON', true],
    ['true', true],
    ['0', false],
    ['OFF', false],
    [undefined, false],
  ])('value %s on = %s', (v, on) => {
    expect(isOn(v)).toBe(on);
  });

  it('unset on a default group, off on a shared custom group, on, and not covered', () => {
    expect(evaluateParamGroupTls(state())).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'NO_TLS',
      detail: expect.stringContaining('default parameter group'),
    });
    expect(
      evaluateParamGroupTls(state({ isDefault: false, group: 'team', value: '0', sharedWith: ['db2', 'db3'] })).detail,
    ).toContain('shared with db2, db3');
    expect(evaluateParamGroupTls(state({ value: '1' }))).toEqual({ status: 'COMPLIANT' });
    expect(
      evaluateParamGroupTls(state({ engine: 'aurora-postgresql', param: undefined, notCovered: 'cluster group' })),
    ).toMatchObject({ status: 'NOT_APPLICABLE', reason: 'ENGINE_NOT_COVERED' });
  });

  it('a group reference (parameter-group event) is judged for every database on it', () => {
    const group = state({
      id: 'pg:team',
      group: 'team',
      isDefault: false,
      groupRef: true,
      value: '0',
      sharedWith: ['db1', 'db2'],
    });
    expect(evaluateParamGroupTls(group)).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'NO_TLS',
      detail: expect.stringContaining('team, used by db1, db2'),
    });
    expect(evaluateParamGroupTls({ ...group, sharedWith: [] })).toMatchObject({
      status: 'NOT_APPLICABLE',
      reason: 'UNUSED_GROUP',
    });
    expect(evaluateParamGroupTls({ ...group, value: '1' })).toMatchObject({ status: 'COMPLIANT' });
  });

  it.each([
    ['in-sync', 'COMPLIANT', undefined],
    [undefined, 'COMPLIANT', undefined],
    ['applying', 'COMPLIANT', undefined],
    ['pending-reboot', 'NON_COMPLIANT', 'PENDING_REBOOT'],
    ['pending-database-upgrade', 'NON_COMPLIANT', 'PENDING_REBOOT'],
    ['failed-to-apply', 'NON_COMPLIANT', 'PENDING_REBOOT'],
    ['apply-deferred', 'NON_COMPLIANT', 'PENDING_REBOOT'],
  ])('TLS on in the group, ParameterApplyStatus %s → %s', (applyStatus, status, reason) => {
    const f = evaluateParamGroupTls(state({ value: '1', applyStatus }));
    expect(f.status).toBe(status);
    expect(f.reason).toBe(reason);
    if (reason) expect(f.detail).toMatch(/reboot instance db1 in a window you choose/);
  });

  it('engines carry their documented apply type: MySQL/MariaDB and PostgreSQL dynamic, SQL Server static', () => {
    expect(rdsTlsParam('mysql').applyType).toBe('dynamic');
    expect(rdsTlsParam('mariadb').applyType).toBe('dynamic');
    expect(rdsTlsParam('postgres').applyType).toBe('dynamic');
    expect(rdsTlsParam('sqlserver-ee').applyType).toBe('static');
  });

  it('custom group names are deterministic and valid', () => {
    expect(tlsGroupName('postgres16')).toBe('cmk-sentinel-tls-postgres16');
    expect(tlsGroupName('sqlserver-se-15.0')).toBe('cmk-sentinel-tls-sqlserver-se-15-0');
    expect(tlsGroupName('redshift-1.0')).toBe('cmk-sentinel-tls-redshift-1-0');
  });
});
