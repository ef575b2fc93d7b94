import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SentinelError } from '../errors';
import { lazily } from '../lazy';

// Loaded with the first member-account call: the service's own account needs no STS.
const stsSdk = lazily(() => import('@aws-sdk/client-sts'));

/** Where a call goes: a region, and optionally another account reached by assuming a role. */
export interface AwsScope {
  region: string;
  account?: string;
  /** Role to assume for `account`; absent = the service's own credentials. */
  roleArn?: string;
}

export interface ClientSettings {
  /** Custom endpoint (the local emulator); absent = real AWS. */
  endpoint?: string;
  maxAttempts: number;
  credentials?: AwsCredentialIdentity;
  /** The SDK's retry mode; default adaptive. A paced factory uses standard: its own limiter adapts the rate. */
  retryMode?: 'standard' | 'adaptive';
}

/**
 * Clients whose default handler is HTTP/2 (Kinesis: for SubscribeToShard). The emulator and the fault proxy speak
 * HTTP/1.1 only (the HTTP/2 session fails with ERR_HTTP2_ERROR), so against a custom endpoint they get the HTTP/1.1
 * handler every other client uses; against AWS they keep their default.
 */
const HTTP2_BY_DEFAULT = new Set(['KinesisClient']);

/** Clients whose endpoint rules put the account id in the host (S3 Control: `<account>.s3-control.<region>...`). */
const ACCOUNT_IN_HOST = new Set(['S3ControlClient']);

// Every SDK v3 client constructor has this shape; the factory needs nothing more.
type ClientCtor<C> = new (config: Record<string, unknown>) => C;

/** One request as the production code sent it, before the SDK serialises it. */
export interface SentRequest {
  /** The SDK client's class name (`S3Client`, `RDSClient`, ...). */
  client: string;
  /** The API operation (`PutBucketEncryption`). */
  operation: string;
  input: unknown;
  scope: AwsScope;
}

export type RequestHook = (request: SentRequest) => void;

// Test and demo instrumentation only: empty in production, where no middleware is added at all.
const requestHooks = new Set<RequestHook>();

/**
 * Let tests and the demo see every request made by clients of this factory (to check it against the
 * AWS model and the deployed roles). Returns the uninstaller. Only clients made while a hook is installed
 * carry the middleware, so production clients (no hook) are exactly what they were.
 */
export const installRequestHook = (hook: RequestHook): (() => void) => {
  requestHooks.add(hook);
  return () => {
    requestHooks.delete(hook);
  };
};

interface MiddlewareStackLike {
  add(mw: unknown, options: { step: string; name: string }): void;
}

const recordRequests = (client: unknown, clientName: string, scope: AwsScope): void => {
  const stack = (client as { middlewareStack?: MiddlewareStackLike }).middlewareStack;
  stack?.add(
    (next: (args: { input: unknown }) => Promise<unknown>, context: { commandName?: string }) =>
      async (args: { input: unknown }) => {
        for (const hook of requestHooks)
          hook({
            client: clientName,
            operation: (context.commandName ?? '').replace(/Command$/, ''),
            input: args.input,
            scope,
          });
        return next(args);
      },
    { step: 'initialize', name: 'cmkSentinelRequestHook' },
  );
};

export const settingsFromEnv = (env: NodeJS.ProcessEnv = process.env): ClientSettings => ({
  endpoint: env.AWS_ENDPOINT_URL || undefined,
  maxAttempts: Number(env.CMK_SENTINEL_MAX_ATTEMPTS ?? 6),
});

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * The service's own requests go over TLS: without an endpoint the SDK speaks https to AWS, so the
 * TLS-only bucket policy the service installs (Deny when aws:SecureTransport is false) never applies to
 * it. A plain-http endpoint is accepted only on loopback (the emulator); anywhere else it would send data
 * in clear and be denied by that very policy.
 */
export const assertTls = (endpoint: string | undefined): void => {
  if (!endpoint) return;
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    /* reported below */
  }
  if (!url || (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname)))) {
    throw new SentinelError(
      'UNSAFE_ENDPOINT',
      `Endpoint ${endpoint} is neither https nor a loopback emulator: the service talks to AWS over TLS only`,
    );
  }
};

/**
 * The one place clients are made. Clients are cached per service, region and
 * account so a warm Lambda reuses connections; assumed-role credentials are
 * cached until shortly before they expire.
 */
export class ClientFactory {
  private readonly clients = new Map<string, unknown>();
  private readonly roleCredentials = new Map<string, AwsCredentialIdentityProvider>();

  constructor(readonly settings: ClientSettings = settingsFromEnv()) {
    assertTls(settings.endpoint);
  }

  get<C>(Ctor: ClientCtor<C>, scope: AwsScope): C {
    const key = `${Ctor.name}|${scope.region}|${scope.account ?? ''}|${scope.roleArn ?? ''}`;
    let client = this.clients.get(key) as C | undefined;
    if (!client) {
      client = new Ctor({
        ...this.config(scope, ACCOUNT_IN_HOST.has(Ctor.name)),
        ...(this.settings.endpoint && HTTP2_BY_DEFAULT.has(Ctor.name) ? { requestHandler: new NodeHttpHandler() } : {}),
      });
      if (requestHooks.size > 0) recordRequests(client, Ctor.name, scope);
      this.clients.set(key, client);
    }
    return client;
  }

  private config(scope: AwsScope, accountInHost = false): Record<string, unknown> {
    const { endpoint, maxAttempts, credentials, retryMode } = this.settings;
    return {
      region: scope.region,
      maxAttempts,
      // Adaptive mode adds client-side rate limiting on top of backoff: the
      // right behaviour for a sweep that runs into RDS/KMS account limits.
      retryMode: retryMode ?? 'adaptive',
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
      // A custom endpoint would get the account id as a host label (`<account>.127.0.0.1`): send to it as given.
      ...(endpoint && accountInHost ? { endpointProvider: () => ({ url: new URL(endpoint) }) } : {}),
      ...(scope.roleArn ? { credentials: this.assumed(scope) } : credentials ? { credentials } : {}),
    };
  }

  private assumed(scope: AwsScope): AwsCredentialIdentityProvider {
    const roleArn = scope.roleArn as string;
    const cached = this.roleCredentials.get(roleArn);
    if (cached) return cached;
    let current: AwsCredentialIdentity | undefined;
    const provider: AwsCredentialIdentityProvider = async () => {
      const fresh = current?.expiration && current.expiration.getTime() - Date.now() > 5 * 60_000;
      if (fresh && current) return current;
      const { AssumeRoleCommand, STSClient } = await stsSdk();
      const sts = this.get(STSClient, { region: scope.region });
      const out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'cmk-sentinel' }));
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${roleArn} returned no credentials`);
      current = {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
      return current;
    };
    this.roleCredentials.set(roleArn, provider);
    return provider;
  }
}
