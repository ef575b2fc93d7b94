import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readServerlessYml } from '../testbed/serverless-yml';

const ROOT = join(__dirname, '..');

type EnvValue = string | number | boolean | Record<string, unknown>;

/**
 * A function's environment as serverless.yml declares it, resolved without CloudFormation: literals as they are,
 * `${env:X, default}` and `${param:X, default}` from the environment or their default, and a CloudFormation
 * reference (`!Ref IdempotencyTable`) only from a variable of the same name already set (else left unset, and
 * said). `serverless invoke local` asks CloudFormation for those references, so it needs the deployed stack.
 */
export const functionEnvironment = (
  fn: string,
  env: NodeJS.ProcessEnv = process.env,
): { vars: Record<string, string>; unresolved: string[] } => {
  const sls = readServerlessYml();
  const def = sls.functions?.[fn];
  if (!def)
    throw new Error(
      `No function "${fn}" in serverless.yml; expected one of ${Object.keys(sls.functions ?? {}).join(', ')}`,
    );
  const declared: Record<string, EnvValue> = { ...sls.provider?.environment, ...def.environment };
  const vars: Record<string, string> = {};
  const unresolved: string[] = [];
  for (const [name, value] of Object.entries(declared)) {
    if (env[name] !== undefined && env[name] !== '') {
      vars[name] = env[name] as string;
      continue;
    }
    if (typeof value === 'object') {
      unresolved.push(name);
      continue;
    }
    const text = String(value);
    const m = /^\$\{(env|param):([A-Za-z0-9_]+)(?:,\s*'([^']*)')?\}$/.exec(text);
    if (m) {
      const v = m[1] === 'env' ? (env[m[2] as string] ?? m[3]) : m[3];
      if (v !== undefined && v !== '') vars[name] = v;
      else if (v === undefined) unresolved.push(name);
      continue;
    }
    if (text.includes('${')) {
      unresolved.push(name);
      continue;
    }
    vars[name] = text;
  }
  return { vars, unresolved };
};

/**
 * `npm run invoke-local -- FUNCTION EVENT.json`: what `serverless invoke local` does, offline. Runs the function's
 * built bundle (`npm run build` first) as Lambda would, with its serverless.yml environment, against
 * AWS_ENDPOINT_URL when set (an emulator). The result goes to stdout, the function's log lines to stderr.
 */
export const main = async (args: string[]): Promise<number> => {
  const [fn, eventFile] = args;
  if (!fn || !eventFile) {
    process.stderr.write(
      'Usage: npm run invoke-local -- FUNCTION EVENT.json   (FUNCTION as in serverless.yml: onChange, backfill, backfillWorker, workflowStep)\n',
    );
    return 2;
  }
  const { vars, unresolved } = functionEnvironment(fn);
  const handlerPath = readServerlessYml().functions[fn].handler as string;
  const [file, exported] = [
    `${handlerPath.slice(0, handlerPath.lastIndexOf('.'))}.js`,
    handlerPath.slice(handlerPath.lastIndexOf('.') + 1),
  ];
  if (unresolved.length)
    process.stderr.write(
      `invoke-local: not set (CloudFormation references; export them to use them): ${unresolved.join(', ')}\n`,
    );
  Object.assign(process.env, vars);
  const event = JSON.parse(readFileSync(resolve(eventFile), 'utf8'));
  // The bundle's Powertools logger writes to stdout, as on Lambda; here stdout carries the result only.
  const stdout = Object.getOwnPropertyDescriptor(process, 'stdout') as PropertyDescriptor;
  Object.defineProperty(process, 'stdout', { configurable: true, get: () => process.stderr });
  let result: unknown;
  try {
    process.chdir(ROOT);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(join(ROOT, file)) as Record<string, (e: unknown, c: unknown) => Promise<unknown>>;
    const handler = mod[exported];
    if (!handler) throw new Error(`${file} exports no ${exported} (run npm run build)`);
    const context = {
      functionName: `cmk-sentinel-local-${fn}`,
      awsRequestId: `local-${Date.now()}`,
      getRemainingTimeInMillis: () => 60_000,
      callbackWaitsForEmptyEventLoop: false,
    };
    result = await handler(event, context);
  } finally {
    Object.defineProperty(process, 'stdout', stdout);
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return 0;
};
