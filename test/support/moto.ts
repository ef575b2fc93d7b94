import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
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
  try { host = new URL(endpoint ?? '').hostname; } catch { /* reported below */ }
  if (!LOOPBACK.has(host)) {
    throw new SentinelError('UNSAFE_ENDPOINT', `Refusing to run against ${endpoint ?? 'real AWS (no endpoint set)'}: only a loopback emulator endpoint is allowed`);
  }
  return endpoint as string;
};

const freePort = (): Promise<number> => new Promise((resolve, reject) => {
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
    } catch { /* not listening yet */ }
    await sleep(100);
  }
  throw new Error(`moto did not answer on ${endpoint} within ${timeoutMs} ms`);
};

const spawnMoto = (port: number): ChildProcess => {
  const cmd = process.env.MOTO_SERVER_CMD ?? 'moto_server';
  const [bin, ...args] = cmd.split(' ');
  return spawn(bin as string, [...args, '-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
};

/** Start moto in server mode on a free loopback port; stop it by its PID. */
export const startEmulator = async (timeoutMs = 30_000): Promise<Emulator> => {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    let child = spawnMoto(port);
    const spawnFailed = await new Promise<boolean>((resolve) => {
      child.once('error', () => resolve(true));
      child.once('spawn', () => resolve(false));
    });
    if (spawnFailed) {
      // No moto_server on PATH: the module entry point works with the system Python too.
      child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    }
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
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
      stop: () => new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }, 3000);
        child.once('exit', () => { clearTimeout(timer); resolve(); });
        try { process.kill(pid, 'SIGTERM'); } catch { clearTimeout(timer); resolve(); }
      }),
    };
  }
  throw lastError;
};
