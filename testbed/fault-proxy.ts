import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { assertLoopback } from './moto';

/**
 * A fault-injecting HTTP proxy on loopback, between the SDK and the emulator.
 * Faults are drawn from a seeded generator at a set rate and answered the way AWS
 * answers them (status, error code in the protocol's own body), so the SDK's retry
 * logic sees what it would see in production. It also records every request, so
 * tests can count writes that reached the emulator.
 */
export type FaultKind = 'throttle' | 'error500' | 'drop' | 'slow';

export interface RequestInfo {
  method: string;
  path: string;
  /** Signing name from the Authorization header: s3, kms, dynamodb, sqs, ... */
  service: string;
  /** DescribeKey, PutItem, ... or for REST (S3) e.g. "PUT ?encryption". */
  operation: string;
  write: boolean;
}

export interface FaultPlan {
  rate: number;
  kinds: readonly FaultKind[];
  seed?: number;
  slowMs?: number;
  /** Only requests this matches can fault. */
  when?: (r: RequestInfo) => boolean;
}

export interface LoggedRequest extends RequestInfo {
  fault?: FaultKind | 'denied';
  /** Reached the emulator. */
  forwarded: boolean;
  /** When it arrived (ms, Date.now). */
  at: number;
}

/** Throttle like an AWS quota: a token bucket of `rps` (burst `burst`, default 1 s of it); a request finding it empty
 * is throttled. */
export interface RateLimit {
  rps: number;
  burst?: number;
  when?: (r: RequestInfo) => boolean;
}

export interface FaultProxy {
  endpoint: string;
  log: LoggedRequest[];
  setPlan(plan: FaultPlan | undefined): void;
  /** Requests answered AccessDenied (a missing permission on exactly these). */
  deny(when: ((r: RequestInfo) => boolean) | undefined): void;
  /** Throttle what exceeds a rate (or stop: `undefined`), answered as the protocol's throttling error. */
  limitRate(limit: RateLimit | undefined): void;
  faults(): Record<string, number>;
  close(): Promise<void>;
}

/** mulberry32: small, seeded, good enough to spread faults reproducibly. */
export const seeded = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const READ = /^(Describe|List|Get|Head|Lookup|Search|Scan|Query|BatchGet|Receive|Simulate)/;

const classify = (req: IncomingMessage, body: string): RequestInfo => {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://x');
  const service =
    /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? 'unknown';
  const target = String(req.headers['x-amz-target'] ?? '');
  const action = url.searchParams.get('Action') ?? new URLSearchParams(body).get('Action') ?? '';
  if (target) {
    const op = target.split('.').pop() ?? target;
    return { method, path: url.pathname, service, operation: op, write: !READ.test(op) };
  }
  if (action && service !== 's3')
    return { method, path: url.pathname, service, operation: action, write: !READ.test(action) };
  const sub = [...url.searchParams.keys()]
    .filter((k) => !['x-id', 'list-type', 'prefix', 'max-keys'].includes(k))
    .join('&');
  return {
    method,
    path: url.pathname,
    service,
    operation: `${method} ${sub ? `?${sub}` : url.pathname.split('/').filter(Boolean).length > 1 ? 'object' : 'bucket'}`,
    write: !['GET', 'HEAD'].includes(method),
  };
};

type Protocol = 'json' | 'query' | 'rest-xml';
const protocolOf = (req: IncomingMessage, info: RequestInfo): Protocol =>
  req.headers['x-amz-target'] ? 'json' : info.service === 's3' ? 'rest-xml' : 'query';

const AWS_ERRORS: Record<
  'throttle' | 'error500' | 'denied',
  Record<Protocol, { status: number; code: string; message: string }>
> = {
  throttle: {
    json: { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' },
    query: { status: 400, code: 'Throttling', message: 'Rate exceeded' },
    'rest-xml': { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' },
  },
  error500: {
    json: {
      status: 500,
      code: 'InternalFailure',
      message: 'The request processing has failed because of an unknown error.',
    },
    query: {
      status: 500,
      code: 'InternalFailure',
      message: 'The request processing has failed because of an unknown error.',
    },
    'rest-xml': { status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' },
  },
  denied: {
    json: { status: 400, code: 'AccessDeniedException', message: 'User is not authorized to perform this action' },
    query: { status: 403, code: 'AccessDenied', message: 'User is not authorized to perform this action' },
    'rest-xml': { status: 403, code: 'AccessDenied', message: 'Access Denied' },
  },
};

let requestSeq = 0;
const sendAwsError = (res: ServerResponse, protocol: Protocol, kind: 'throttle' | 'error500' | 'denied'): void => {
  const e = AWS_ERRORS[kind][protocol];
  const requestId = `fault-${++requestSeq}`;
  if (protocol === 'json') {
    res.writeHead(e.status, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-errortype': e.code,
      'x-amzn-requestid': requestId,
    });
    res.end(JSON.stringify({ __type: e.code, message: e.message }));
  } else if (protocol === 'query') {
    res.writeHead(e.status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
    res.end(
      `<ErrorResponse><Error><Type>${e.status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${e.code}</Code><Message>${e.message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    );
  } else {
    res.writeHead(e.status, { 'content-type': 'application/xml', 'x-amz-request-id': requestId });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${e.code}</Code><Message>${e.message}</Message><RequestId>${requestId}</RequestId></Error>`,
    );
  }
};

export const startFaultProxy = async (target: string, plan?: FaultPlan): Promise<FaultProxy> => {
  const upstream = new URL(assertLoopback(target));
  let current = plan;
  let random = seeded(plan?.seed ?? 1);
  let denied: ((r: RequestInfo) => boolean) | undefined;
  let limit: RateLimit | undefined;
  let tokens = 0;
  let refilled = Date.now();
  const log: LoggedRequest[] = [];
  const overLimit = (info: RequestInfo): boolean => {
    if (!limit || (limit.when && !limit.when(info))) return false;
    const now = Date.now();
    const burst = limit.burst ?? limit.rps;
    tokens = Math.min(burst, tokens + ((now - refilled) / 1000) * limit.rps);
    refilled = now;
    if (tokens >= 1) {
      tokens -= 1;
      return false;
    }
    return true;
  };

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const up = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    up.end(body);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const info = classify(req, body.toString('utf8'));
      const entry: LoggedRequest = { ...info, forwarded: false, at: Date.now() };
      log.push(entry);
      if (denied?.(info)) {
        entry.fault = 'denied';
        sendAwsError(res, protocolOf(req, info), 'denied');
        return;
      }
      if (overLimit(info)) {
        entry.fault = 'throttle';
        sendAwsError(res, protocolOf(req, info), 'throttle');
        return;
      }
      const p = current;
      if (p && p.kinds.length > 0 && (!p.when || p.when(info)) && random() < p.rate) {
        const kind = p.kinds[Math.floor(random() * p.kinds.length)] as FaultKind;
        entry.fault = kind;
        if (kind === 'drop') {
          req.socket.destroy();
          return;
        }
        if (kind === 'slow') {
          setTimeout(() => {
            entry.forwarded = true;
            forward(req, res, body);
          }, p.slowMs ?? 300);
          return;
        }
        sendAwsError(res, protocolOf(req, info), kind);
        return;
      }
      entry.forwarded = true;
      forward(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    log,
    setPlan(p) {
      current = p;
      random = seeded(p?.seed ?? 1);
    },
    deny(when) {
      denied = when;
    },
    limitRate(l) {
      limit = l;
      tokens = l ? (l.burst ?? l.rps) : 0;
      refilled = Date.now();
    },
    faults() {
      const counts: Record<string, number> = {};
      for (const r of log) if (r.fault) counts[r.fault] = (counts[r.fault] ?? 0) + 1;
      return counts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
