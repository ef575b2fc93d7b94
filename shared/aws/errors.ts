import { SentinelError } from '../errors';

interface AwsLikeError {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: string;
}

const NOT_FOUND = new Set([
  'NoSuchBucket', 'NotFoundException', 'NotFound', 'DBInstanceNotFound', 'DBInstanceNotFoundFault',
  'DBClusterNotFoundFault', 'DBSnapshotNotFound', 'DBSnapshotNotFoundFault', 'DBClusterSnapshotNotFoundFault',
  'ClusterNotFound', 'ClusterNotFoundFault', 'ClusterSnapshotNotFound', 'ClusterSnapshotNotFoundFault',
  'ResourceNotFoundException', 'InvalidRequestException', 'SnapshotCopyGrantNotFoundFault',
]);
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError']);
const THROTTLED = new Set([
  'Throttling', 'ThrottlingException', 'ThrottledException', 'TooManyRequestsException', 'RequestLimitExceeded',
  'SlowDown', 'RequestThrottled', 'RequestThrottledException', 'ProvisionedThroughputExceededException',
]);

export const awsErrorName = (e: unknown): string => {
  const err = e as AwsLikeError | undefined;
  return err?.name ?? err?.Code ?? 'UnknownError';
};

export const isAwsNotFound = (e: unknown, extra: readonly string[] = []): boolean => {
  const name = awsErrorName(e);
  return NOT_FOUND.has(name) || extra.includes(name);
};

/**
 * Translate an SDK error into the service's error vocabulary where it is caught,
 * so everything above the adapters speaks one language. `action` is the IAM
 * action that was attempted: an AccessDenied alert names it.
 */
export const translateAwsError = (e: unknown, action: string, resource?: string): SentinelError => {
  if (e instanceof SentinelError) return e;
  const err = e as AwsLikeError;
  const name = awsErrorName(e);
  const status = err?.$metadata?.httpStatusCode;
  const details = { awsError: name, action, ...(resource ? { resource } : {}) };
  const message = err?.message ?? String(e);
  if (ACCESS_DENIED.has(name) || status === 403) {
    // AWS says which policy denied (IAM user guide, access denied error messages): an explicit Deny is not
    // fixed by granting the action, and naming it as missing would send the operator the wrong way.
    const explicit = /explicit deny in (an? )?([\w -]+?policy)/i.exec(message);
    if (explicit) {
      return new SentinelError('ACCESS_DENIED', `${action} was denied${resource ? ` on ${resource}` : ''} by an explicit Deny in ${explicit[1] ?? 'a '}${explicit[2]}: granting ${action} does not help; that statement must allow the service (${message.slice(0, 200)})`, { cause: e, details: { ...details, explicitDeny: explicit[2] } });
    }
    return new SentinelError('ACCESS_DENIED', `${action} was denied${resource ? ` on ${resource}` : ''}: grant ${action} to the service role`, { cause: e, details: { ...details, missingPermission: action } });
  }
  if (THROTTLED.has(name) || status === 429) {
    return new SentinelError('THROTTLED', `${action} was throttled past the retry budget`, { cause: e, retryable: true, details });
  }
  if (isAwsNotFound(e)) {
    return new SentinelError('RESOURCE_GONE', `${resource ?? 'resource'} no longer exists (${name})`, { cause: e, details });
  }
  if ((status !== undefined && status >= 500) || err?.$fault === 'server' || name === 'TimeoutError' || /ECONNRESET|ECONNREFUSED|socket hang up|EPIPE/.test(message)) {
    return new SentinelError('AWS_UNAVAILABLE', `${action} failed on the AWS side: ${message.slice(0, 200)}`, { cause: e, retryable: true, details });
  }
  return new SentinelError('AWS_ERROR', `${action} failed: ${name}: ${message.slice(0, 200)}`, { cause: e, details });
};
