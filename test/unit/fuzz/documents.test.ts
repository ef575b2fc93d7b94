import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { parseDeadLetter } from '../../../shared/dlq/dead-letter';
import { SentinelError } from '../../../shared/errors';
import { parsePolicyYaml } from '../../../shared/policy/policy';
import { parseSecurityConfiguration } from '../../../shared/emr/parse';
import { mergeTlsStatement } from '../../../shared/rules/s3-tls/evaluate';
import { MASK, redact } from '../../../shared/redact';
import { hostileValue, mutated } from '../../support/mutate';

/** The other parsers of outside input: policy files and dead-letter bodies. Typed failure or a value, nothing else. */
const counts = { policies: 0, deadLetters: 0, redactions: 0, emrConfigurations: 0, bucketPolicies: 0 };
const policyText = readFileSync(join(__dirname, '..', '..', '..', 'policy.yaml'), 'utf8');
const policyDoc = parse(policyText);
const typedOrValue = (f: () => unknown, code: string) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SentinelError);
    expect((e as SentinelError).code).toBe(code);
    expect((e as SentinelError).message.length).toBeLessThan(200_000);
  }
};

describe('fuzzing documents', () => {
  afterAll(() =>
    console.info(
      `[figures] documents fuzzed: ${counts.policies} policy files, ${counts.deadLetters} dead-letter bodies, ${counts.redactions} redactions, ${counts.emrConfigurations} EMR security configurations, ${counts.bucketPolicies} bucket policies`,
    ),
  );

  it('policy files: random text, random YAML, and the shipped policy mutated', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.anything({ maxDepth: 3 }).map((v) => stringify(v)),
      mutated([policyDoc]).map((v) => stringify(v)),
      fc.constantFrom(':', '- a\n- b', '{', 'version: 2', `${policyText}\n  bad: [`, '&a [*a]', 'x: !!binary AAAA'),
    );
    fc.assert(
      fc.property(text, (t) => {
        counts.policies++;
        typedOrValue(() => parsePolicyYaml(t, 'fuzz'), 'INVALID_POLICY');
      }),
      { numRuns: 800, seed: 7 },
    );
  });

  it('EMR security configurations: never a throw, a parsed configuration or a named problem', () => {
    const valid = {
      EncryptionConfiguration: {
        EnableAtRestEncryption: true,
        EnableInTransitEncryption: true,
        AtRestEncryptionConfiguration: {
          S3EncryptionConfiguration: { EncryptionMode: 'SSE-KMS', AwsKmsKey: 'alias/data-platform' },
          LocalDiskEncryptionConfiguration: {
            EncryptionKeyProviderType: 'AwsKms',
            AwsKmsKey: 'alias/data-platform',
            EnableEbsEncryption: true,
          },
        },
        InTransitEncryptionConfiguration: {
          TLSCertificateConfiguration: { CertificateProviderType: 'PEM', S3Object: 's3://certs/c.zip' },
        },
      },
    };
    const input = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.anything({ maxDepth: 4 }),
      mutated([valid]),
      mutated([valid]).map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(input, (raw) => {
        counts.emrConfigurations++;
        const parsed = parseSecurityConfiguration(raw);
        expect(parsed.ok ? typeof parsed.settings : typeof parsed.problem).toBe(parsed.ok ? 'object' : 'string');
      }),
      { numRuns: 800, seed: 11 },
    );
    expect(parseSecurityConfiguration(JSON.stringify(valid)).ok).toBe(true);
  });

  it('bucket policies: the TLS merge is a typed error or a JSON policy that keeps every statement, and merging again adds nothing', () => {
    const valid = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Read',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111122223333:root' },
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::b/*',
        },
        { Sid: 'Deny', Effect: 'Deny', Principal: '*', Action: 's3:DeleteBucket', Resource: 'arn:aws:s3:::b' },
      ],
    };
    const input = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.anything({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
      mutated([valid]).map((v) => JSON.stringify(v) ?? 'null'),
    );
    fc.assert(
      fc.property(input, (text) => {
        counts.bucketPolicies++;
        let merged: string | undefined;
        try {
          merged = mergeTlsStatement(text, 'b');
        } catch (e) {
          expect(e).toBeInstanceOf(SentinelError);
          expect((e as SentinelError).code).toBe('INVALID_DOCUMENT');
          return;
        }
        if (merged === undefined) return;
        // An empty text is "no policy yet".
        const before = (text ? JSON.parse(text) : {}) as { Statement?: unknown };
        const after = JSON.parse(merged) as { Statement: unknown[] };
        const kept = Array.isArray(before.Statement)
          ? before.Statement
          : before.Statement === undefined
            ? []
            : [before.Statement];
        for (const st of kept)
          if ((st as { Sid?: string } | null)?.Sid !== 'CmkSentinelDenyInsecureTransport')
            expect(after.Statement).toContainEqual(st);
        expect(mergeTlsStatement(merged, 'b')).toBeUndefined();
      }),
      { numRuns: 800, seed: 13 },
    );
  });

  it('dead-letter bodies of every shape, broken', () => {
    const valid = [
      {
        version: '1.0',
        requestContext: { condition: 'RetriesExhausted' },
        requestPayload: { id: 'x', detail: {} },
        responsePayload: { errorMessage: 'm', code: 'THROTTLED' },
      },
      { version: '0', id: 'e', 'detail-type': 'AWS API Call via CloudTrail', detail: { eventName: 'CreateBucket' } },
    ];
    const body = fc.oneof(
      fc.string(),
      fc.anything({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? ''),
      mutated(valid).map((v) => JSON.stringify(v) ?? ''),
    );
    fc.assert(
      fc.property(
        body,
        fc.dictionary(fc.string(), fc.record({ StringValue: fc.option(fc.string(), { nil: undefined }) })),
        (b, attrs) => {
          counts.deadLetters++;
          const r = parseDeadLetter(b, attrs);
          if (r instanceof SentinelError) expect(r.code).toBe('INVALID_EVENT');
          else expect(typeof r.cause.code).toBe('string');
        },
      ),
      { numRuns: 600, seed: 8 },
    );
  });

  it('redaction of anything: never throws, a planted password never survives', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 4 }), hostileValue, (v, extra) => {
        counts.redactions++;
        const out = redact({
          v,
          extra,
          nested: { masterUserPassword: 'planted-secret-1', list: [{ token: 'planted-secret-2' }] },
        });
        expect(out.nested.masterUserPassword).toBe(MASK);
        expect(JSON.stringify(out.nested)).not.toContain('planted-secret');
      }),
      { numRuns: 600, seed: 9 },
    );
  });
});
