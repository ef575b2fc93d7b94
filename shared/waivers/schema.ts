import { z } from 'zod';

/** The policy's `waivers:` section (validated at build time, like the rest of the policy). */

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const date = (what: string) =>
  z
    .string({ error: () => `expected ${what} as YYYY-MM-DD` })
    .regex(DAY, { error: (iss) => `expected ${what} as YYYY-MM-DD (got "${String(iss.input)}")` })
    .refine(
      (d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
      { error: `expected ${what} to be a real calendar day` },
    );

const text = (what: string) =>
  z
    .string({ error: () => `expected ${what}` })
    .trim()
    .min(1, { error: `expected ${what}` });

/** A waiver may last at most a year from its approval (a leap year's 366 days). */
export const MAX_WAIVER_DAYS = 366;

export const waiverSchema = z
  .strictObject({
    id: z.string({ error: () => 'expected a waiver id' }).regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
      error: 'expected a waiver id of letters, digits, ".", "_" or "-" (at most 64), usable as a tag value',
    }),
    resources: z
      .array(text('a resource ARN or an ARN pattern with * and ?'))
      .min(1, { error: 'expected at least one resource ARN or pattern' })
      .refine((rs) => rs.every((r) => r.startsWith('arn:')), {
        error: 'expected each resource to be an ARN or an ARN pattern (starting with "arn:")',
      })
      .refine((rs) => rs.every((r) => r.replace(/[*?]/g, '').length > 'arn:'.length), {
        error: 'a pattern must name something beyond "arn:" and wildcards',
      }),
    checks: z
      .array(text('a reason, <type>:<reason>, a check id or *'))
      .min(1, { error: 'expected at least one check' }),
    reason: text('the reason for the waiver'),
    owner: text('the owner (who answers for the waiver)'),
    approval: text('the approval reference (ticket or change request)'),
    approvedOn: date('the approval day'),
    expires: date('the expiry day'),
  })
  .refine((w) => w.expires >= w.approvedOn, { error: 'expires must not be before approvedOn', path: ['expires'] })
  .refine(
    (w) =>
      Date.parse(`${w.expires}T00:00:00Z`) - Date.parse(`${w.approvedOn}T00:00:00Z`) <= MAX_WAIVER_DAYS * 86_400_000,
    {
      error: `a waiver lasts at most a year: expires must be within ${MAX_WAIVER_DAYS} days of approvedOn`,
      path: ['expires'],
    },
  );

export const waiversSchema = z
  .array(waiverSchema)
  .default([])
  .refine((ws) => new Set(ws.map((w) => w.id)).size === ws.length, { error: 'waiver ids must be unique' });
