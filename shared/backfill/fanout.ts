import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { translateAwsError } from '../aws/errors';
import { SentinelError } from '../errors';
import type { Mode } from '../policy/policy';
import { putReportObjects, reportFor, summaryAlert } from './finish';
import { parseUnitKey, unitKey } from './store';
import { homeAccount, openSweep, planUnits, runUnit, type SweepEngine, type SweepRequest } from './sweep';

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
export const fanOut = async (req: SweepRequest, engine: SweepEngine, queueUrl: string): Promise<{ sweepId: string; units: number }> => {
  const region = queueUrl.match(/sqs\.([a-z0-9-]+)\./)?.[1] ?? process.env.AWS_REGION ?? 'us-east-1';
  const units = planUnits(req, engine.deps, await homeAccount(engine.deps, region));
  const meta = await openSweep(req, engine, units);
  const sqs = engine.deps.clients.get(SQSClient, { region });
  for (let i = 0; i < meta.units.length; i += 10) {
    const batch = meta.units.slice(i, i + 10);
    const entries = batch.map((unit, j) => ({
      Id: String(j),
      MessageBody: JSON.stringify({ sweepId: meta.sweepId, unit, dryRun: meta.dryRun, mode: meta.mode as Mode | undefined } satisfies UnitMessage),
    }));
    try {
      const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      if (out.Failed?.length) throw new SentinelError('AWS_UNAVAILABLE', `${out.Failed.length} unit messages not queued: ${out.Failed.map((f) => f.Code).join(', ')}`, { retryable: true });
    } catch (e) {
      throw translateAwsError(e, 'sqs:SendMessage', queueUrl);
    }
  }
  return { sweepId: meta.sweepId, units: meta.units.length };
};

export const parseUnitMessage = (body: string): UnitMessage => {
  let m: Partial<UnitMessage>;
  try { m = JSON.parse(body) as Partial<UnitMessage>; } catch { m = {}; }
  if (typeof m.sweepId !== 'string' || typeof m.unit !== 'string' || m.unit.split('/').length !== 3) {
    throw new SentinelError('INVALID_EVENT', 'A backfill unit message needs "sweepId" and "unit" (account/region/type)');
  }
  return m as UnitMessage;
};

/**
 * The worker's job for one message: sweep the unit, count it finished, and when it was
 * the last open unit write the report (to S3 under the CMK) and send the summary.
 */
export const workUnit = async (msg: UnitMessage, engine: SweepEngine, reportBucket: string | undefined) => {
  const unit = parseUnitKey(msg.unit);
  const res = await runUnit(msg.sweepId, unit, { dryRun: msg.dryRun, mode: msg.mode }, engine);
  const open = await engine.store.finishUnit(msg.sweepId, unitKey(unit));
  if (open !== 0) return { ...res, open, finished: false };
  const meta = await engine.store.getMeta(msg.sweepId);
  if (!meta) throw new SentinelError('INVALID_EVENT', `No record of sweep ${msg.sweepId}`);
  const finished = { ...meta, finishedAt: engine.deps.now().toISOString() };
  await engine.store.putMeta(finished);
  const report = await reportFor(finished, engine.store);
  const region = process.env.AWS_REGION ?? unit.region;
  const where = reportBucket ? await putReportObjects(report, reportBucket, region, engine.deps) : [];
  await engine.deps.alerts.publish(summaryAlert(report, where, region, await homeAccount(engine.deps, region), engine.deps.now()));
  return { ...res, open, finished: true, reports: where };
};
