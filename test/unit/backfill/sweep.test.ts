import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSweepStore } from '../../../shared/backfill/file-store';
import { openSweep, resumeConflicts, type SweepEngine } from '../../../shared/backfill/sweep';
import type { Unit } from '../../../shared/backfill/store';
import { testPolicy } from '../../support/harness';

const units: Unit[] = [{ account: '111122223333', region: 'us-east-1', type: 's3-bucket' }];
const engine = (dir: string) =>
  ({
    deps: { now: () => new Date('2026-12-01T00:00:00Z'), policy: testPolicy() },
    store: new FileSweepStore(dir),
  }) as unknown as SweepEngine;

describe('a resumed sweep never drops a flag it is given', () => {
  const started = { dryRun: false, mode: undefined, units: ['111122223333/us-east-1/s3-bucket'] };

  it('a resume with no flags continues as started', () => {
    expect(resumeConflicts(started, { sweepId: 's' }, units)).toEqual([]);
  });

  it('refuses --dry-run on a sweep that changes resources, and a different mode', () => {
    expect(resumeConflicts(started, { sweepId: 's', dryRun: true }, units)).toEqual([
      expect.stringContaining('asks for --dry-run'),
    ]);
    expect(resumeConflicts(started, { sweepId: 's', mode: 'report' }, units)).toEqual([
      expect.stringContaining('--mode report'),
    ]);
  });

  it('refuses types/regions that plan other units, accepts the same ones', () => {
    const other: Unit[] = [{ account: '111122223333', region: 'us-east-1', type: 'rds-snapshot' }];
    expect(resumeConflicts(started, { sweepId: 's', types: ['rds-snapshot'] }, other)).toHaveLength(1);
    expect(resumeConflicts(started, { sweepId: 's', types: ['s3-bucket'] }, units)).toEqual([]);
  });

  it('openSweep throws SWEEP_CONFLICT naming the stored flags', async () => {
    const e = engine(mkdtempSync(join(tmpdir(), 'resume-')));
    await openSweep({ sweepId: 'live' }, e, units);
    await expect(openSweep({ sweepId: 'live', dryRun: true }, e, units)).rejects.toMatchObject({
      code: 'SWEEP_CONFLICT',
      details: { sweepId: 'live' },
    });
    await expect(openSweep({ sweepId: 'live', dryRun: false }, e, units)).resolves.toMatchObject({
      sweepId: 'live',
      dryRun: false,
      policy: 'test-policy',
      policyMode: 'remediate',
    });
  });
});
