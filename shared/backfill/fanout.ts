import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { translateAwsError } from '../aws/errors';
import { SentinelError } from '../errors';
import type { Mode } from '../policy/policy';
import { accountsOf } from '../accounts/directory';
import { homeAccount, openSweep, planUnits, type SweepEngine, type SweepRequest } from './sweep';

/** One queue message: one (account, region, type) of one sweep. */
export interface UnitMessage {
  sweepId: string;
  unit: string;
  dryRun?: boolean;
  mode?: Mode;
}

/**
 * The invoke on AWS: plan the units, record the sweep, and queue one message per unit
 * for the workers. Re-invoking with the same sweep id re-queues every unit; finished
 * ones are skipped by the worker, unfinished ones continue where they stopped.
 */
export const fanOut = async (
  req: SweepRequest,
  engine: SweepEngine,
  queueUrl: string,
): Promise<{ sweepId: string; units: number }> => {
  const region = queueUrl.match(/sqs\.([a-z0-9-]+)\./)?.[1] ?? process.env.AWS_REGION ?? 'us-east-1';
  const home = await homeAccount(engine.deps, region);
  const units = planUnits(req, engine.deps, home, await accountsOf(engine.deps).members(home));
  const meta = await openSweep(req, engine, units);
  const sqs = engine.deps.clients.get(SQSClient, { region });
  for (let i = 0; i < meta.units.length; i += 10) {
    const batch = meta.units.slice(i, i + 10);
    const entries = batch.map((unit, j) => ({
      Id: String(j),
      MessageBody: JSON.stringify({
        sweepId: meta.sweepId,
        unit,
        dryRun: meta.dryRun,
        mode: meta.mode as Mode | undefined,
      } satisfies UnitMessage),
    }));
    try {
      const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      if (out.Failed?.length)
        throw new SentinelError(
          'AWS_UNAVAILABLE',
          `${out.Failed.length} unit messages not queued: ${out.Failed.map((f) => f.Code).join(', ')}`,
          { retryable: true },
        );
    } catch (e) {
      throw translateAwsError(e, 'sqs:SendMessage', queueUrl);
    }
  }
  return { sweepId: meta.sweepId, units: meta.units.length };
};
