import { SentinelError } from '../errors';

interface AwsLikeError {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: string;
}

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError']);
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
]);

export const awsErrorName = (e: unknown): string => {
  const err = e as AwsLikeError | undefined;
  return err?.name ?? err?.Code ?? 'UnknownError';
};

/**
 * One way an operation says "no such resource": an error name, and where that name also covers other faults
 * (EMR answers every bad input with InvalidRequestException) the `ErrorCode` member or the message that tells
 * the missing resource apart. Either one matching is enough.
 */
export type NotFoundMatch = string | { name: string; errorCodes?: readonly string[]; message?: RegExp };

/** Names each service uses only for a missing resource, whatever the operation. EMR has none of its own. */
const NOT_FOUND_BY_SERVICE: Readonly<Record<string, readonly NotFoundMatch[]>> = {
  // HeadBucket/HeadObject answer a bare 404, which the SDK names NotFound.
  s3: ['NoSuchBucket', 'NotFound'],
  rds: [
    'DBInstanceNotFound',
    'DBInstanceNotFoundFault',
    'DBClusterNotFoundFault',
    'DBSnapshotNotFound',
    'DBSnapshotNotFoundFault',
    'DBClusterSnapshotNotFoundFault',
    'DBProxyNotFoundFault',
  ],
  redshift: [
    'ClusterNotFound',
    'ClusterNotFoundFault',
    'ClusterSnapshotNotFound',
    'ClusterSnapshotNotFoundFault',
    'SnapshotCopyGrantNotFoundFault',
  ],
  kms: ['NotFoundException'],
  iam: ['NoSuchEntity', 'NoSuchEntityException'],
  states: ['ExecutionDoesNotExist', 'StateMachineDoesNotExist'],
  dynamodb: ['ResourceNotFoundException'],
  kinesis: ['ResourceNotFoundException'],
  firehose: ['ResourceNotFoundException'],
  logs: ['ResourceNotFoundException'],
  // Athena has one client error for everything (InvalidRequestException): only GetWorkGroup's own message counts.
  athena: [],
  elasticmapreduce: [],
};

/**
 * Operations whose not-found is their own. EMR's DescribeSecurityConfiguration and DescribeCluster fail with
 * InvalidRequestException for a missing name or id (botocore emr service-2.json lists no other client error for
 * them), the same exception as for a malformed request or a refused document; only the ErrorCode member and the
 * message say which. moto 5.2.1 answers "Security configuration with name 'x' does not exist." with ErrorCode
 * ResourceNotFound and "Cluster id 'j-x' is not valid." with ErrorCode NoSuchCluster (moto/emr/exceptions.py).
 */
const NOT_FOUND_BY_OPERATION: Readonly<Record<string, readonly NotFoundMatch[]>> = {
  'elasticmapreduce:DescribeSecurityConfiguration': [
    { name: 'InvalidRequestException', errorCodes: ['ResourceNotFound'], message: /does not exist/i },
  ],
  'elasticmapreduce:DescribeCluster': [
    { name: 'InvalidRequestException', errorCodes: ['NoSuchCluster'], message: /is not valid|does not exist/i },
  ],
  // botocore athena GetWorkGroup lists only InternalServerException and InvalidRequestException; AWS says "WorkGroup
  // <name> is not found".
  'athena:GetWorkGroup': [{ name: 'InvalidRequestException', message: /is not found|does not exist/i }],
  'rds:DescribeDBParameterGroups': ['DBParameterGroupNotFound', 'DBParameterGroupNotFoundFault'],
  'redshift:DescribeClusterParameterGroups': ['ClusterParameterGroupNotFound', 'ClusterParameterGroupNotFoundFault'],
};

// An action outside the tables (a wrapper's label such as "existing-data"): only names no service uses for anything
// else.
const ANY_SERVICE = Object.values(NOT_FOUND_BY_SERVICE)
  .flat()
  .filter((m): m is string => typeof m === 'string');

/** How `action` (an IAM action, `service:Operation`) reports a missing resource. */
export const notFoundMatches = (action: string): readonly NotFoundMatch[] => {
  const service = NOT_FOUND_BY_SERVICE[action.split(':')[0] ?? ''];
  return [...(service ?? ANY_SERVICE), ...(NOT_FOUND_BY_OPERATION[action] ?? [])];
};

const matches = (e: unknown, m: NotFoundMatch): boolean => {
  const name = awsErrorName(e);
  if (typeof m === 'string') return name === m;
  if (name !== m.name) return false;
  const err = e as AwsLikeError & { ErrorCode?: string };
  return (
    (err?.ErrorCode !== undefined && m.errorCodes?.includes(err.ErrorCode) === true) ||
    (m.message?.test(err?.message ?? '') ?? false)
  );
};

/** Whether `e`, raised by `action`, says the resource does not exist: judged per operation, never by one global list.
 * */
export const isAwsNotFound = (e: unknown, action: string): boolean =>
  notFoundMatches(action).some((m) => matches(e, m));

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
      return new SentinelError(
        'ACCESS_DENIED',
        `${action} was denied${resource ? ` on ${resource}` : ''} by an explicit Deny in ${explicit[1] ?? 'a '}${explicit[2]}: granting ${action} does not help; that statement must allow the service (${message.slice(0, 200)})`,
        { cause: e, details: { ...details, explicitDeny: explicit[2] } },
      );
    }
    return new SentinelError(
      'ACCESS_DENIED',
      `${action} was denied${resource ? ` on ${resource}` : ''}: grant ${action} to the service role`,
      { cause: e, details: { ...details, missingPermission: action } },
    );
  }
  if (THROTTLED.has(name) || status === 429) {
    return new SentinelError('THROTTLED', `${action} was throttled past the retry budget`, {
      cause: e,
      retryable: true,
      details,
    });
  }
  if (isAwsNotFound(e, action)) {
    return new SentinelError('RESOURCE_GONE', `${resource ?? 'resource'} no longer exists (${name})`, {
      cause: e,
      details,
    });
  }
  if (
    (status !== undefined && status >= 500) ||
    err?.$fault === 'server' ||
    name === 'TimeoutError' ||
    /ECONNRESET|ECONNREFUSED|socket hang up|EPIPE/.test(message)
  ) {
    return new SentinelError('AWS_UNAVAILABLE', `${action} failed on the AWS side: ${message.slice(0, 200)}`, {
      cause: e,
      retryable: true,
      details,
    });
  }
  return new SentinelError('AWS_ERROR', `${action} failed: ${name}: ${message.slice(0, 200)}`, { cause: e, details });
};

/** Run one AWS call, translating what it throws (translateAwsError) with the action and resource it concerned. */
export const awsCall = async <T>(action: string, resource: string, call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (e) {
    throw translateAwsError(e, action, resource);
  }
};
