import { SentinelError } from '../errors';
import type { UnitMessage } from './fanout';
import { putReportObjects, reportFor, summaryAlert } from './finish';
import { parseUnitKey, unitKey } from './store';
import { homeAccount, runUnit, type SweepEngine } from './sweep';

export const parseUnitMessage = (body: string): UnitMessage => {
  let m: Partial<UnitMessage>;
  try {
    m = JSON.parse(body) as Partial<UnitMessage>;
  } catch {
    m = {};
  }
  if (typeof m.sweepId !== 'string' || typeof m.unit !== 'string' || m.unit.split('/').length !== 3) {
    throw new SentinelError(
      'INVALID_EVENT',
      'A backfill unit message needs "sweepId" and "unit" (account/region/type)',
    );
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
  // An outage cut the listing short: hand the message back (batch partial failure) so SQS redelivers it.
  if (res.retry)
    throw new SentinelError(
      'AWS_UNAVAILABLE',
      `unit ${msg.unit} of sweep ${msg.sweepId} was cut short: ${res.error ?? 'retry'}`,
      { retryable: true },
    );
  const open = await engine.store.finishUnit(msg.sweepId, unitKey(unit));
  if (open !== 0) return { ...res, open, finished: false };
  const meta = await engine.store.getMeta(msg.sweepId);
  if (!meta) throw new SentinelError('INVALID_EVENT', `No record of sweep ${msg.sweepId}`);
  const finished = { ...meta, finishedAt: engine.deps.now().toISOString() };
  await engine.store.putMeta(finished);
  const report = await reportFor(finished, engine.store);
  const region = process.env.AWS_REGION ?? unit.region;
  const where = reportBucket ? await putReportObjects(report, reportBucket, region, engine.deps) : [];
  await engine.deps.alerts.publish(
    summaryAlert(report, where, region, await homeAccount(engine.deps, region), engine.deps.now()),
  );
  return { ...res, open, finished: true, reports: where };
};
