import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { SentinelError } from '../shared/errors';

export interface Emulator {
  endpoint: string;
  port: number;
  pid: number;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Refuse anything but loopback: a test or demo must never reach a real account. */
export const assertLoopback = (endpoint: string | undefined): string => {
  let host = '';
  try {
    host = new URL(endpoint ?? '').hostname;
  } catch {
    /* reported below */
  }
  if (!LOOPBACK.has(host)) {
    throw new SentinelError(
      'UNSAFE_ENDPOINT',
      `Refusing to run against ${endpoint ?? 'real AWS (no endpoint set)'}: only a loopback emulator endpoint is allowed`,
    );
  }
  return endpoint as string;
};

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const ready = async (endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto exited with code ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  throw new Error(`moto did not answer on ${endpoint} within ${timeoutMs} ms`);
};

/** moto's server with the project's extension (testbed/emulator/: behaviours moto lacks), on the system Python. */
const EMULATOR_ENTRY = join(__dirname, 'emulator', 'server.py');

export interface EmulatorOptions {
  timeoutMs?: number;
  /** Extra environment for the server, e.g. `INITIAL_NO_AUTH_ACTION_COUNT` to turn on moto's IAM enforcement. */
  env?: Record<string, string>;
  /** Outlive this module's handles (a worker's emulator, used by later test files): the process is not waited for. */
  detach?: boolean;
}

const spawnMoto = (port: number, env: Record<string, string>, stderr: 'pipe' | number): ChildProcess =>
  spawn(process.env.MOTO_PYTHON ?? 'python3', [EMULATOR_ENTRY, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', stderr],
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env },
  });

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Where a jest worker records its emulator: test files run one after another in a worker, each in a fresh module
 * registry, so the record is a file keyed by the worker's PID (a process-wide fact the sandbox cannot hide). */
export const WORKER_EMULATORS_DIR = join(
  tmpdir(),
  `cmk-sentinel-emulators-${process.env.CMK_SENTINEL_TEST_RUN ?? 'run'}`,
);

/**
 * The emulator of this jest worker: started by the first test file that needs one, used by the next ones (each
 * resets it first), stopped by PID when the run ends (test/support/global-teardown.ts) or by its own watchdog when
 * the worker is gone (server.py, CMK_SENTINEL_EMULATOR_PARENT). Starting moto and loading its backends costs
 * 2-4 s; once per worker instead of once per file is most of what keeps `npm test` under five minutes here.
 */
export const workerEmulator = async (): Promise<Emulator> => {
  mkdirSync(WORKER_EMULATORS_DIR, { recursive: true });
  const record = join(WORKER_EMULATORS_DIR, `${process.pid}.json`);
  let known: { endpoint: string; port: number; pid: number } | undefined;
  try {
    known = JSON.parse(readFileSync(record, 'utf8'));
  } catch {
    /* none yet */
  }
  if (!known || !alive(known.pid) || !(await answers(known.endpoint))) {
    const started = await startEmulator({ env: { CMK_SENTINEL_EMULATOR_PARENT: String(process.pid) }, detach: true });
    known = { endpoint: started.endpoint, port: started.port, pid: started.pid };
    writeFileSync(record, JSON.stringify(known));
  }
  const { endpoint, port, pid } = known;
  return {
    endpoint: assertLoopback(endpoint),
    port,
    pid,
    reset: () => resetEmulator(endpoint),
    // The worker's next test file uses it: a file's end leaves it running (reset, by useEmulator).
    stop: async () => undefined,
  };
};

const answers = async (endpoint: string): Promise<boolean> => {
  try {
    return (await fetch(`${endpoint}/moto-api/`)).ok;
  } catch {
    return false;
  }
};

const resetEmulator = async (endpoint: string): Promise<void> => {
  const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  if (!res.ok) throw new Error(`emulator reset failed: HTTP ${res.status}`);
};

/** Start moto (plus the extension) in server mode on a free loopback port; stop it by its PID. */
export const startEmulator = async ({
  timeoutMs = 30_000,
  env = {},
  detach = false,
}: EmulatorOptions = {}): Promise<Emulator> => {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    // A detached server writes its log to a file: a pipe would break (and moto with it) once this module is gone.
    const logFile = detach ? (process.env.EMULATOR_STDERR ?? join(WORKER_EMULATORS_DIR, `${port}.log`)) : undefined;
    const logFd = logFile ? openSync(logFile, 'a') : undefined;
    const child = spawnMoto(port, env, logFd ?? 'pipe');
    if (logFd !== undefined) closeSync(logFd);
    const spawnError = await new Promise<Error | undefined>((resolve) => {
      child.once('error', (e) => resolve(e));
      child.once('spawn', () => resolve(undefined));
    });
    if (spawnError) throw new Error(`cannot start the emulator (${EMULATOR_ENTRY}): ${spawnError.message}`);
    let stderr = '';
    // EMULATOR_STDERR=<file>: keep the server's log (tracebacks of HTTP 500s) for debugging.
    const log = process.env.EMULATOR_STDERR;
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
      if (log) appendFileSync(log, d);
    });
    try {
      await ready(endpoint, child, timeoutMs);
    } catch (e) {
      const tail = logFile ? readFileSync(logFile, 'utf8').slice(-4000) : stderr;
      lastError = new Error(`${(e as Error).message}\n${tail}`);
      child.kill('SIGKILL');
      continue;
    }
    const pid = child.pid as number;
    if (detach) child.unref();
    return {
      endpoint,
      port,
      pid,
      reset: () => resetEmulator(endpoint),
      stop: () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              /* gone */
            }
          }, 3000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          try {
            process.kill(pid, 'SIGTERM');
          } catch {
            clearTimeout(timer);
            resolve();
          }
        }),
    };
  }
  throw lastError;
};
