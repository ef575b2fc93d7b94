import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/**
 * Request inputs checked against the AWS API models, as AWS would check them before acting:
 * botocore's `service-2.json` (the models the system Python's moto is built from) for required
 * members, unknown members, enum values, ranges, lengths and patterns; and, where botocore is
 * older than the pinned SDK, the SDK's own schema (`dist-cjs`, the `XCommand.schema` the client
 * serialises with), so a member or operation the SDK knows is never reported as unknown.
 *
 * Patterns are botocore `pattern` traits: Java regexes that AWS's services apply to the whole value
 * (Java `Pattern.matches`; e.g. STS RoleSessionName `[\w+=,.@-]*` refuses a space). They are translated (POSIX
 * `\p{Print}` classes, Java's identity
 * escapes such as `\_`) and compiled with the `u` flag so `\uD800\uDC00-\uDBFF\uDFFF` means the
 * supplementary planes, as in Java.
 */

export const BOTOCORE_DATA =
  process.env.BOTOCORE_DATA ?? '/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/botocore/data';

export type ModelRule = 'required' | 'unknown' | 'enum' | 'range' | 'length' | 'pattern' | 'type' | 'operation';

export interface ModelViolation {
  client: string;
  operation: string;
  /** Path of the member in the input, `Rules[0].ApplyServerSideEncryptionByDefault.KMSMasterKeyID`. */
  member: string;
  rule: ModelRule;
  detail: string;
}

export const describeViolation = (v: ModelViolation): string =>
  `${v.client} ${v.operation}: ${v.member || '(input)'} breaks ${v.rule} (${v.detail})`;

/** SDK client class -> its npm package and botocore service directory. */
export const SERVICES: Record<string, { pkg: string; botocore: string }> = {
  S3Client: { pkg: '@aws-sdk/client-s3', botocore: 's3' },
  S3ControlClient: { pkg: '@aws-sdk/client-s3-control', botocore: 's3control' },
  RDSClient: { pkg: '@aws-sdk/client-rds', botocore: 'rds' },
  RedshiftClient: { pkg: '@aws-sdk/client-redshift', botocore: 'redshift' },
  KMSClient: { pkg: '@aws-sdk/client-kms', botocore: 'kms' },
  STSClient: { pkg: '@aws-sdk/client-sts', botocore: 'sts' },
  EMRClient: { pkg: '@aws-sdk/client-emr', botocore: 'emr' },
  SNSClient: { pkg: '@aws-sdk/client-sns', botocore: 'sns' },
  SQSClient: { pkg: '@aws-sdk/client-sqs', botocore: 'sqs' },
  DynamoDBClient: { pkg: '@aws-sdk/client-dynamodb', botocore: 'dynamodb' },
  SFNClient: { pkg: '@aws-sdk/client-sfn', botocore: 'stepfunctions' },
  IAMClient: { pkg: '@aws-sdk/client-iam', botocore: 'iam' },
  EC2Client: { pkg: '@aws-sdk/client-ec2', botocore: 'ec2' },
  KinesisClient: { pkg: '@aws-sdk/client-kinesis', botocore: 'kinesis' },
  FirehoseClient: { pkg: '@aws-sdk/client-firehose', botocore: 'firehose' },
  GlueClient: { pkg: '@aws-sdk/client-glue', botocore: 'glue' },
  AthenaClient: { pkg: '@aws-sdk/client-athena', botocore: 'athena' },
  CloudWatchLogsClient: { pkg: '@aws-sdk/client-cloudwatch-logs', botocore: 'logs' },
  SecurityHubClient: { pkg: '@aws-sdk/client-securityhub', botocore: 'securityhub' },
  OrganizationsClient: { pkg: '@aws-sdk/client-organizations', botocore: 'organizations' },
  ConfigServiceClient: { pkg: '@aws-sdk/client-config-service', botocore: 'config' },
  ResourceGroupsTaggingAPIClient: {
    pkg: '@aws-sdk/client-resource-groups-tagging-api',
    botocore: 'resourcegroupstaggingapi',
  },
};

interface Shape {
  type: string;
  members?: Record<string, { shape: string }>;
  required?: string[];
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
}
interface BotocoreModel {
  operations: Record<string, { input?: { shape: string } }>;
  shapes: Record<string, Shape>;
}

const models = new Map<string, BotocoreModel>();

export const botocoreModel = (service: string): BotocoreModel => {
  let m = models.get(service);
  if (!m) {
    const dir = join(BOTOCORE_DATA, service);
    const version = readdirSync(dir)
      .filter((v) => /^\d{4}-\d{2}-\d{2}$/.test(v))
      .sort()
      .pop() as string;
    const file = join(dir, version, 'service-2.json');
    m = JSON.parse(
      existsSync(file) ? readFileSync(file, 'utf8') : gunzipSync(readFileSync(`${file}.gz`)).toString('utf8'),
    ) as BotocoreModel;
    models.set(service, m);
  }
  return m;
};

// ---- the SDK's schema: [3, ns, name, traits, memberNames, memberSchemas, requiredCount] for a structure,
// [1, ns, name, traits, member] for a list, [2, ns, name, traits, key, value] for a map; a member schema
// is a number (a simple type), a thunk, or [thunk, traits].
type SdkSchema = unknown;
const resolveSdk = (s: SdkSchema): SdkSchema => {
  let cur = s;
  for (let i = 0; i < 4; i++) {
    if (typeof cur === 'function') cur = (cur as () => unknown)();
    else if (Array.isArray(cur) && typeof cur[0] === 'function') cur = cur[0];
    else break;
  }
  return cur;
};
const sdkStruct = (s: SdkSchema): { names: string[]; members: SdkSchema[]; required: number } | undefined => {
  const r = resolveSdk(s);
  if (!Array.isArray(r) || r[0] !== 3) return undefined;
  return { names: r[4] as string[], members: r[5] as SdkSchema[], required: typeof r[6] === 'number' ? r[6] : 0 };
};
const sdkListMember = (s: SdkSchema): SdkSchema => {
  const r = resolveSdk(s);
  return Array.isArray(r) && r[0] === 1 ? r[4] : undefined;
};
const sdkMapValue = (s: SdkSchema): SdkSchema => {
  const r = resolveSdk(s);
  return Array.isArray(r) && r[0] === 2 ? r[5] : undefined;
};

/** The SDK's input schema of an operation, from the command class the production code sends. */
export const sdkInputSchema = (client: string, operation: string): SdkSchema | undefined => {
  const svc = SERVICES[client];
  if (!svc) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(svc.pkg) as Record<string, new (input: unknown) => { schema?: unknown[] }>;
  const Cmd = mod[`${operation}Command`];
  if (!Cmd) return undefined;
  const op = new Cmd({}).schema;
  return Array.isArray(op) && op[0] === 9 ? resolveSdk(op[4]) : undefined;
};

// ---- patterns
const POSIX: Record<string, string> = {
  Print: '\\x20-\\x7E',
  Graph: '\\x21-\\x7E',
  Alnum: 'A-Za-z0-9',
  Alpha: 'A-Za-z',
  Digit: '0-9',
  Upper: 'A-Z',
  Lower: 'a-z',
  Punct: '!-\\/:-@\\[-`{-~',
  Space: ' \\t\\n\\x0B\\f\\r',
  XDigit: '0-9A-Fa-f',
  ASCII: '\\x00-\\x7F',
  Cntrl: '\\x00-\\x1F\\x7F',
};
const SYNTAX = new Set('^$\\.*+?()[]{}|/-'.split(''));

/** A Java regex as an equivalent JavaScript one (enough for the AWS models' patterns). */
export const javaPattern = (p: string): RegExp | undefined => {
  let out = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string;
    if (c === '\\' && i + 1 < p.length) {
      const n = p[i + 1] as string;
      const posix = /^p\{(\w+)\}/.exec(p.slice(i + 1));
      if (posix && POSIX[posix[1] as string]) {
        const body = POSIX[posix[1] as string] as string;
        out += inClass ? body : `[${body}]`;
        i += posix[0].length;
        continue;
      }
      if (/[A-Za-z0-9]/.test(n) || SYNTAX.has(n)) out += c + n;
      else out += n; // Java's identity escape of a non-syntax character (`\_`, `\:`): the character itself
      i++;
      continue;
    }
    if (c === '[' && !inClass) inClass = true;
    else if (c === ']' && inClass) inClass = false;
    out += c;
  }
  // AWS validates with Java's Pattern.matches(): the whole value must match.
  const anchored = `^(?:${out})$`;
  try {
    return new RegExp(anchored, 'u');
  } catch {
    /* fall through */
  }
  try {
    return new RegExp(anchored);
  } catch {
    return undefined;
  }
};
const patterns = new Map<string, RegExp | undefined>();
const patternOf = (p: string) => {
  if (!patterns.has(p)) patterns.set(p, javaPattern(p));
  return patterns.get(p);
};

/** Patterns no translation could compile: reported by the figures, never silently passed as checked. */
export const uncompiledPatterns = new Set<string>();

// ---- validation
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Uint8Array);
const len = (v: unknown): number | undefined =>
  typeof v === 'string'
    ? [...v].length
    : Array.isArray(v)
      ? v.length
      : v instanceof Uint8Array
        ? v.byteLength
        : isObj(v)
          ? Object.keys(v).length
          : undefined;

interface Walk {
  client: string;
  operation: string;
  model: BotocoreModel;
  out: ModelViolation[];
}

const report = (w: Walk, member: string, rule: ModelRule, detail: string): void => {
  w.out.push({ client: w.client, operation: w.operation, member, rule, detail });
};
const at = (path: string, name: string | number) =>
  typeof name === 'number' ? `${path}[${name}]` : path ? `${path}.${name}` : name;

const checkShape = (w: Walk, shapeName: string | undefined, sdk: SdkSchema, value: unknown, path: string): void => {
  if (value === undefined || value === null) return;
  const shape = shapeName ? w.model.shapes[shapeName] : undefined;
  if (!shape) return checkSdkOnly(w, sdk, value, path);
  switch (shape.type) {
    case 'structure': {
      if (!isObj(value)) return report(w, path, 'type', `expected a structure, got ${typeof value}`);
      const sdkS = sdkStruct(sdk);
      const members = shape.members ?? {};
      for (const req of shape.required ?? [])
        if (value[req] === undefined || value[req] === null)
          report(w, at(path, req), 'required', `${shapeName}.${req} is required`);
      for (const [k, v] of Object.entries(value)) {
        if (v === undefined) continue;
        const sdkIdx = sdkS ? sdkS.names.indexOf(k) : -1;
        const sdkMember = sdkIdx >= 0 ? sdkS?.members[sdkIdx] : undefined;
        if (members[k]) checkShape(w, members[k]?.shape, sdkMember, v, at(path, k));
        else if (sdkIdx >= 0)
          checkSdkOnly(w, sdkMember, v, at(path, k)); // newer than botocore: the SDK's model wins
        else report(w, at(path, k), 'unknown', `${shapeName} has no member ${k}`);
      }
      return;
    }
    case 'list': {
      if (!Array.isArray(value)) return report(w, path, 'type', `expected a list, got ${typeof value}`);
      checkLength(w, shape, value, path);
      value.forEach((x, i) => checkShape(w, shape.member?.shape, sdkListMember(sdk), x, at(path, i)));
      return;
    }
    case 'map': {
      if (!isObj(value)) return report(w, path, 'type', `expected a map, got ${typeof value}`);
      checkLength(w, shape, value, path);
      for (const [k, v] of Object.entries(value)) {
        checkShape(w, shape.key?.shape, undefined, k, `${path}{key ${k}}`);
        checkShape(w, shape.value?.shape, sdkMapValue(sdk), v, at(path, k));
      }
      return;
    }
    case 'string': {
      if (typeof value !== 'string') return report(w, path, 'type', `expected a string, got ${typeof value}`);
      if (shape.enum && !shape.enum.includes(value))
        report(w, path, 'enum', `${JSON.stringify(value)} is not one of ${shape.enum.join(', ')}`);
      checkLength(w, shape, value, path);
      if (shape.pattern) {
        const re = patternOf(shape.pattern);
        if (!re) uncompiledPatterns.add(shape.pattern);
        else if (!re.test(value))
          report(w, path, 'pattern', `${JSON.stringify(value.slice(0, 80))} does not match ${shape.pattern}`);
      }
      return;
    }
    case 'integer':
    case 'long':
    case 'float':
    case 'double': {
      if (typeof value !== 'number') return report(w, path, 'type', `expected a number, got ${typeof value}`);
      if ((shape.type === 'integer' || shape.type === 'long') && !Number.isInteger(value))
        report(w, path, 'type', `${value} is not an integer`);
      if (shape.min !== undefined && value < shape.min) report(w, path, 'range', `${value} < min ${shape.min}`);
      if (shape.max !== undefined && value > shape.max) report(w, path, 'range', `${value} > max ${shape.max}`);
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') report(w, path, 'type', `expected a boolean, got ${typeof value}`);
      return;
    case 'timestamp':
      if (!(value instanceof Date) && typeof value !== 'string' && typeof value !== 'number')
        report(w, path, 'type', `expected a timestamp, got ${typeof value}`);
      return;
    case 'blob':
      if (typeof value !== 'string' && !(value instanceof Uint8Array)) return; // streams and buffers: the SDK serialises them
      checkLength(w, shape, value, path);
      return;
    default:
      return;
  }
};

const checkLength = (w: Walk, shape: Shape, value: unknown, path: string) => {
  const n = len(value);
  if (n === undefined) return;
  if (shape.min !== undefined && n < shape.min) report(w, path, 'length', `length ${n} < min ${shape.min}`);
  if (shape.max !== undefined && n > shape.max) report(w, path, 'length', `length ${n} > max ${shape.max}`);
};

/** Where botocore has no shape (a newer member or operation): the SDK's member lists and required lead members. */
const checkSdkOnly = (w: Walk, sdk: SdkSchema, value: unknown, path: string): void => {
  if (value === undefined || value === null || sdk === undefined) return;
  const s = sdkStruct(sdk);
  if (s) {
    if (!isObj(value)) return report(w, path, 'type', `expected a structure, got ${typeof value}`);
    s.names.slice(0, s.required).forEach((req) => {
      if (value[req] === undefined || value[req] === null)
        report(w, at(path, req), 'required', `${req} is required (SDK model)`);
    });
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const i = s.names.indexOf(k);
      if (i < 0) report(w, at(path, k), 'unknown', `no member ${k} (SDK model)`);
      else checkSdkOnly(w, s.members[i], v, at(path, k));
    }
    return;
  }
  const listMember = sdkListMember(sdk);
  if (listMember !== undefined && Array.isArray(value))
    value.forEach((x, i) => checkSdkOnly(w, listMember, x, at(path, i)));
};

/** Every way `input` breaks the model of `client`'s `operation`; empty when AWS would accept its shape. */
export const validateRequest = (client: string, operation: string, input: unknown): ModelViolation[] => {
  const svc = SERVICES[client];
  const out: ModelViolation[] = [];
  if (!svc)
    return [
      { client, operation, member: '', rule: 'operation', detail: `no model mapped for ${client}: add it to SERVICES` },
    ];
  const model = botocoreModel(svc.botocore);
  const w: Walk = { client, operation, model, out };
  const sdk = sdkInputSchema(client, operation);
  const op = model.operations[operation];
  if (!op) {
    if (sdk === undefined)
      return [
        {
          client,
          operation,
          member: '',
          rule: 'operation',
          detail: `neither botocore ${svc.botocore} nor ${svc.pkg} knows ${operation}`,
        },
      ];
    checkSdkOnly(w, sdk, input ?? {}, '');
    return out;
  }
  if (op.input) checkShape(w, op.input.shape, sdk, input ?? {}, '');
  else if (isObj(input) && Object.values(input).some((v) => v !== undefined))
    report(w, '', 'unknown', `${operation} takes no input`);
  return out;
};
