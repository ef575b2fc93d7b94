import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { parseDeadLetter } from '../../shared/dlq/dead-letter';
import { SentinelError } from '../../shared/errors';
import { parsePolicyYaml } from '../../shared/policy/policy';
import { MASK, redact } from '../../shared/redact';
import { hostileValue, mutated } from '../support/mutate';

/** The other parsers of outside input: policy files and dead-letter bodies. Typed failure or a value, nothing else. */
const counts = { policies: 0, deadLetters: 0, redactions: 0 };
const policyText = readFileSync(join(__dirname, '..', '..', 'policy.yaml'), 'utf8');
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
  afterAll(() => console.info(`[figures] documents fuzzed: ${counts.policies} policy files, ${counts.deadLetters} dead-letter bodies, ${counts.redactions} redactions`));

  it('policy files: random text, random YAML, and the shipped policy mutated', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.anything({ maxDepth: 3 }).map((v) => stringify(v)),
      mutated([policyDoc]).map((v) => stringify(v)),
      fc.constantFrom(':', '- a\n- b', '{', 'version: 2', `${policyText}\n  bad: [`, '&a [*a]', 'x: !!binary AAAA'),
    );
    fc.assert(fc.property(text, (t) => { counts.policies++; typedOrValue(() => parsePolicyYaml(t, 'fuzz'), 'INVALID_POLICY'); }), { numRuns: 800, seed: 7 });
  });

  it('dead-letter bodies of every shape, broken', () => {
    const valid = [
      { version: '1.0', requestContext: { condition: 'RetriesExhausted' }, requestPayload: { id: 'x', detail: {} }, responsePayload: { errorMessage: 'm', code: 'THROTTLED' } },
      { version: '0', id: 'e', 'detail-type': 'AWS API Call via CloudTrail', detail: { eventName: 'CreateBucket' } },
    ];
    const body = fc.oneof(fc.string(), fc.anything({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? ''), mutated(valid).map((v) => JSON.stringify(v) ?? ''));
    fc.assert(fc.property(body, fc.dictionary(fc.string(), fc.record({ StringValue: fc.option(fc.string(), { nil: undefined }) })), (b, attrs) => {
      counts.deadLetters++;
      const r = parseDeadLetter(b, attrs);
      if (r instanceof SentinelError) expect(r.code).toBe('INVALID_EVENT');
      else expect(typeof r.cause.code).toBe('string');
    }), { numRuns: 600, seed: 8 });
  });

  it('redaction of anything: never throws, a planted password never survives', () => {
    fc.assert(fc.property(fc.anything({ maxDepth: 4 }), hostileValue, (v, extra) => {
      counts.redactions++;
      const out = redact({ v, extra, nested: { masterUserPassword: 'planted-secret-1', list: [{ token: 'planted-secret-2' }] } });
      expect(out.nested.masterUserPassword).toBe(MASK);
      expect(JSON.stringify(out.nested)).not.toContain('planted-secret');
    }), { numRuns: 600, seed: 9 });
  });
});
