import type { Waiver } from '../../shared/waivers/waiver';

/** The waiver the demo's legal-hold resources are tagged with (the tag alone no longer exempts). */
export const DEMO_WAIVER = 'DEMO-LEGAL-HOLD';

const day = (d: Date) => d.toISOString().slice(0, 10);

/** Approved today, for 90 days: the demo runs on any date. */
export const demoWaivers = (now: Date): Waiver[] => [
  {
    id: DEMO_WAIVER,
    resources: [
      'arn:aws:s3:::legal-hold',
      'arn:aws:rds:*:*:snapshot:orders-legal-hold',
      'arn:aws:rds:*:*:db:legacy-db',
    ],
    checks: ['*'],
    reason: 'Legal hold: the data must stay byte-identical until the case closes',
    owner: 'legal@example.com',
    approval: 'DEMO-CHG-1',
    approvedOn: day(now),
    expires: day(new Date(now.getTime() + 90 * 86_400_000)),
  },
];
