import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { SentinelError } from '../../shared/errors';

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

/** moto's server with the project's extension (test/emulator/: behaviours moto lacks), on the system Python. */
const EMULATOR_ENTRY = join(__dirname, '..', 'emulator', 'server.py');

export interface EmulatorOptions {
  timeoutMs?: number;
  /** Extra environment for the server, e.g. `INITIAL_NO_AUTH_ACTION_COUNT` to turn on moto's IAM enforcement. */
  env?: Record<string, string>;
}

const spawnMoto = (port: number, env: Record<string, string>): ChildProcess =>
  spawn(process.env.MOTO_PYTHON ?? 'python3', [EMULATOR_ENTRY, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env },
  });

/** Start moto (plus the extension) in server mode on a free loopback port; stop it by its PID. */
export const startEmulator = async ({ timeoutMs = 30_000, env = {} }: EmulatorOptions = {}): Promise<Emulator> => {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const child = spawnMoto(port, env);
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
      lastError = new Error(`${(e as Error).message}\n${stderr}`);
      child.kill('SIGKILL');
      continue;
    }
    const pid = child.pid as number;
    return {
      endpoint,
      port,
      pid,
      async reset() {
        await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      },
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
