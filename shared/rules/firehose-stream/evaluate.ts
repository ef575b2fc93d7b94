import { keyIssueSentence, keyMismatch, keyReason } from '../../kms/compare';
import type { ObservedKey } from '../../kms/key-resolver';
import type { EvaluationContext, Finding } from '../contract';

export interface FirehoseS3Destination {
  destinationId: string;
  /** Which update shape UpdateDestination takes for it. */
  kind: 'extended-s3' | 's3';
  bucketArn?: string;
  /** KMSEncryptionConfig.AWSKMSKeyARN; absent = NoEncryption (the bucket's default encryption applies). */
  keyRef?: string;
  key?: ObservedKey;
}

export interface FirehoseStreamState {
  name: string;
  arn: string;
  region: string;
  status: string;
  /** DirectPut | KinesisStreamAsSource | MSKAsSource | DatabaseAsSource. */
  sourceType: string;
  versionId: string;
  /** DeliveryStreamEncryptionConfiguration. */
  sse?: { status?: string; keyType?: string; keyArn?: string; failure?: string };
  sseKey?: ObservedKey;
  s3: FirehoseS3Destination[];
  /** Destinations that are not S3 (Redshift, OpenSearch, HTTP, ...): judged by their own stores, listed for the alert.
   * */
  otherDestinations: number;
}

/** API reference, StartDeliveryStreamEncryption: server-side encryption exists only for DirectPut sources. */
export const sseApplies = (s: FirehoseStreamState): boolean => s.sourceType === 'DirectPut';

/** Pure: what is wrong with the stream's own encryption, undefined when it is the CMK (or does not apply). */
export const sseProblem = (s: FirehoseStreamState, ctx: EvaluationContext): string | undefined => {
  if (!sseApplies(s)) return undefined;
  const on = s.sse?.status === 'ENABLED' || s.sse?.status === 'ENABLING';
  if (!on) return 'UNENCRYPTED';
  if (s.sse?.keyType !== 'CUSTOMER_MANAGED_CMK') return 'AWS_MANAGED_KEY';
  const m = keyMismatch(s.sseKey, ctx.cmk, ctx.region);
  return keyReason(m);
};

/** Pure: an S3 destination writes with the CMK only when it names it (NoEncryption leaves it to the bucket). */
export const destinationProblem = (d: FirehoseS3Destination, ctx: EvaluationContext): string | undefined => {
  if (!d.keyRef) return 'UNENCRYPTED';
  const m = keyMismatch(d.key, ctx.cmk, ctx.region);
  return keyReason(m);
};

/** Pure. */
export const evaluateFirehoseStream = (s: FirehoseStreamState, ctx: EvaluationContext): Finding => {
  const expectedKey = ctx.cmk.arn;
  const sse = sseProblem(s, ctx);
  const dests = s.s3.map((d) => ({ d, problem: destinationProblem(d, ctx) })).filter((x) => x.problem);
  const observedKey = sseApplies(s)
    ? (s.sseKey?.info?.arn ?? s.sse?.keyArn)
    : (dests[0]?.d.key?.info?.arn ?? dests[0]?.d.keyRef);
  if (s.sse?.status === 'ENABLING_FAILED' || s.sse?.status === 'DISABLING_FAILED') {
    return {
      status: 'NON_COMPLIANT',
      reason: 'KEY_INACCESSIBLE',
      detail: `Firehose stream ${s.name}: server-side encryption ${s.sse.status}${s.sse.failure ? ` (${s.sse.failure})` : ''}`,
      observedKey,
      expectedKey,
    };
  }
  if (!sse && dests.length === 0) return { status: 'COMPLIANT', observedKey, expectedKey };
  const parts = [
    sse
      ? `server-side encryption ${sse === 'UNENCRYPTED' ? 'is off' : keyIssueSentence(sse, 'AWS-owned Firehose', 'uses')}`
      : '',
    ...dests.map(
      ({ d, problem }) =>
        `S3 destination ${d.bucketArn ?? d.destinationId} ${problem === 'UNENCRYPTED' ? 'writes with NoEncryption (the bucket default decides)' : keyIssueSentence(problem as string, 'aws/s3', 'writes with')}`,
    ),
  ].filter(Boolean);
  const pending = s.sse?.status === 'ENABLING' || s.status === 'UPDATING';
  return {
    status: 'NON_COMPLIANT',
    reason: pending && sse ? 'ENCRYPTION_IN_PROGRESS' : (sse ?? dests[0]?.problem),
    detail: `Firehose stream ${s.name}: ${parts.join('; ')}`,
    observedKey,
    expectedKey,
  };
};
