import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { WORKER_EMULATORS_DIR } from '../../testbed/moto';

/** Stop, by PID, every emulator this run's workers started, then drop their records and logs. */
export default function globalTeardown(): void {
  let files: string[] = [];
  try {
    files = readdirSync(WORKER_EMULATORS_DIR);
  } catch {
    return;
  }
  for (const f of files.filter((x) => x.endsWith('.json'))) {
    try {
      const { pid } = JSON.parse(readFileSync(join(WORKER_EMULATORS_DIR, f), 'utf8')) as { pid: number };
      process.kill(pid, 'SIGTERM');
    } catch {
      /* already gone (its watchdog saw the worker end) */
    }
  }
  rmSync(WORKER_EMULATORS_DIR, { recursive: true, force: true });
}
