import { randomBytes } from 'node:crypto';

/** One id per jest run, inherited by its workers: their emulators are recorded under it (testbed/moto.ts). */
export default function globalSetup(): void {
  process.env.CMK_SENTINEL_TEST_RUN = `${process.pid}-${randomBytes(4).toString('hex')}`;
}
