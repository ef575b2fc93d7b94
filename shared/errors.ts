/**
 * One error base for the whole service. `code` is stable (alerts, logs and tests
 * match on it); `retryable` tells the caller whether running again can help.
 */
export type ErrorCode =
  | 'INVALID_EVENT'
  /** A command-line option or argument the CLI cannot accept (exit 2). */
  | 'USAGE'
  /** A resumed sweep asked for flags other than those it was started with. */
  | 'SWEEP_CONFLICT'
  | 'INVALID_POLICY'
  | 'INVALID_DOCUMENT'
  | 'UNKNOWN_RESOURCE_TYPE'
  | 'RESOURCE_GONE'
  | 'ACCESS_DENIED'
  | 'THROTTLED'
  | 'AWS_UNAVAILABLE'
  | 'KEY_NOT_FOUND'
  | 'VERIFICATION_FAILED'
  | 'UNSAFE_ENDPOINT'
  | 'DUPLICATE_IN_PROGRESS'
  | 'SECURITYHUB_IMPORT_FAILED'
  | 'AUDIT_CHAIN_CONFLICT'
  | 'AUDIT_CHAIN_BROKEN'
  | 'AWS_ERROR';

export class SentinelError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; retryable?: boolean; details?: Record<string, unknown> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'SentinelError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, retryable: this.retryable, ...this.details };
  }
}

export const isSentinelError = (e: unknown): e is SentinelError => e instanceof SentinelError;
