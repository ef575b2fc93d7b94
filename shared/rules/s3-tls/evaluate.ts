import { SentinelError } from '../../errors';
import type { EvaluationContext, Finding } from '../contract';

export interface S3TlsState {
  bucket: string;
  region: string;
  /** The bucket policy as S3 returns it (a JSON string); absent when the bucket has none. */
  policy?: string;
}

/** The Sid of the statement the service adds; fixed, so a re-run finds its own statement. */
export const TLS_SID = 'CmkSentinelDenyInsecureTransport';
/** S3's limit on a bucket policy. */
export const MAX_POLICY_BYTES = 20 * 1024;

type Statement = Record<string, unknown>;
interface PolicyDoc {
  Version?: string;
  Statement?: Statement | Statement[];
  [k: string]: unknown;
}

const asList = <T>(v: T | T[] | undefined): T[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const strings = (v: unknown): string[] =>
  asList(v as string | string[] | undefined).filter((x): x is string => typeof x === 'string');

/** A policy text → document; anything else is a typed INVALID_DOCUMENT error. */
export const parseBucketPolicy = (text: string, bucket: string): PolicyDoc => {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new SentinelError('INVALID_DOCUMENT', `The bucket policy of ${bucket} is not JSON: ${(e as Error).message}`, {
      cause: e,
      details: { resource: bucket },
    });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new SentinelError(
      'INVALID_DOCUMENT',
      `The bucket policy of ${bucket} is not a policy document (expected a JSON object)`,
      { details: { resource: bucket } },
    );
  }
  const st = (doc as PolicyDoc).Statement;
  if (st !== undefined && (typeof st !== 'object' || st === null)) {
    throw new SentinelError(
      'INVALID_DOCUMENT',
      `The bucket policy of ${bucket} has a Statement that is neither an object nor a list`,
      { details: { resource: bucket } },
    );
  }
  // S3 itself rejects such a policy; met anyway (fuzzing found it), it is a clear error, not a crash.
  if (
    asList(st as Statement | Statement[] | undefined).some(
      (x) => typeof x !== 'object' || x === null || Array.isArray(x),
    )
  ) {
    throw new SentinelError(
      'INVALID_DOCUMENT',
      `The bucket policy of ${bucket} has a statement that is not an object`,
      { details: { resource: bucket } },
    );
  }
  return doc as PolicyDoc;
};

const everyone = (p: unknown): boolean =>
  p === '*' || (typeof p === 'object' && p !== null && strings((p as Record<string, unknown>).AWS).includes('*'));

/** `aws:SecureTransport` = false under Bool (or BoolIfExists), whatever the key's case and the value's type. */
const deniesPlainHttp = (condition: unknown): boolean => {
  if (typeof condition !== 'object' || condition === null) return false;
  return Object.entries(condition as Record<string, unknown>).some(([op, body]) => {
    if (!/^Bool(IfExists)?$/.test(op) || typeof body !== 'object' || body === null) return false;
    return Object.entries(body as Record<string, unknown>).some(
      ([k, v]) =>
        k.toLowerCase() === 'aws:securetransport' &&
        asList(v as unknown).some((x) => String(x).toLowerCase() === 'false'),
    );
  });
};

const resourceCovers = (patterns: string[], arn: string): boolean =>
  patterns.some(
    (p) =>
      p === '*' ||
      new RegExp(
        `^${p
          .split('*')
          .map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
      ).test(arn),
  );

/** A statement that denies every S3 action over plain HTTP to everyone, on the bucket and all its objects. */
export const isTlsDeny = (s: Statement, bucket: string): boolean => {
  if (
    s.Effect !== 'Deny' ||
    !everyone(s.Principal) ||
    s.NotPrincipal !== undefined ||
    s.NotAction !== undefined ||
    s.NotResource !== undefined
  )
    return false;
  const actions = strings(s.Action);
  if (!actions.some((a) => a === '*' || a.toLowerCase() === 's3:*')) return false;
  const resources = strings(s.Resource);
  if (!resourceCovers(resources, `arn:aws:s3:::${bucket}`) || !resourceCovers(resources, `arn:aws:s3:::${bucket}/*`))
    return false;
  // Every condition block must be the SecureTransport one: an extra condition narrows the deny.
  const cond = s.Condition as Record<string, unknown> | undefined;
  return (
    deniesPlainHttp(cond) &&
    Object.keys(cond ?? {}).length === 1 &&
    Object.keys((Object.values(cond ?? {})[0] ?? {}) as object).length === 1
  );
};

export const tlsStatement = (bucket: string): Statement => ({
  Sid: TLS_SID,
  Effect: 'Deny',
  Principal: '*',
  Action: 's3:*',
  Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
});

/**
 * Pure: the policy with the TLS deny added, every other statement kept as it was; undefined
 * when an equivalent statement is already there. Our own Sid on a weakened statement is replaced.
 */
export const mergeTlsStatement = (policy: string | undefined, bucket: string): string | undefined => {
  const doc: PolicyDoc = policy ? parseBucketPolicy(policy, bucket) : { Version: '2012-10-17', Statement: [] };
  const statements = asList(doc.Statement);
  if (statements.some((s) => isTlsDeny(s, bucket))) return undefined;
  const kept = statements.filter((s) => s.Sid !== TLS_SID);
  const merged = JSON.stringify({
    ...doc,
    Version: doc.Version ?? '2012-10-17',
    Statement: [...kept, tlsStatement(bucket)],
  });
  if (Buffer.byteLength(merged) > MAX_POLICY_BYTES) {
    throw new SentinelError(
      'INVALID_DOCUMENT',
      `Adding the TLS statement would make the bucket policy of ${bucket} ${Buffer.byteLength(merged)} bytes, over S3's ${MAX_POLICY_BYTES}-byte limit: shorten the policy`,
      { details: { resource: bucket } },
    );
  }
  return merged;
};

/** Pure: compliant when some statement denies plain-HTTP access to the bucket and its objects. */
export const evaluateS3Tls = (s: S3TlsState, _ctx: EvaluationContext): Finding => {
  if (s.policy === undefined)
    return {
      status: 'NON_COMPLIANT',
      reason: 'NO_TLS',
      detail: `Bucket ${s.bucket} has no bucket policy, so plain-HTTP requests are allowed`,
    };
  let statements: Statement[];
  try {
    statements = asList(parseBucketPolicy(s.policy, s.bucket).Statement);
  } catch (e) {
    return { status: 'NON_COMPLIANT', reason: 'POLICY_UNREADABLE', detail: (e as Error).message };
  }
  if (statements.some((st) => isTlsDeny(st, s.bucket))) return { status: 'COMPLIANT' };
  return {
    status: 'NON_COMPLIANT',
    reason: 'NO_TLS',
    detail: `The bucket policy of ${s.bucket} does not deny requests with aws:SecureTransport=false on the bucket and its objects`,
  };
};
