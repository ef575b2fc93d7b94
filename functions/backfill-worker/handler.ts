import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { SweepEngine } from '../../shared/backfill/sweep';
import { lazily } from '../../shared/lazy';
import { logger } from '../../shared/logger';

const processor = new BatchProcessor(EventType.SQS);
let engine: SweepEngine | undefined;

// The sweep machinery, its clients and the policy load with the first batch, not in the init phase.
const sweepModules = lazily(() =>
  Promise.all([import('../../shared/backfill/worker'), import('../../shared/backfill/run')]),
);

/** One unit per message; a failed unit goes back to the queue alone (and after maxReceiveCount, to the DLQ). */
export const recordHandler = async (record: SQSRecord) => {
  const [{ parseUnitMessage, workUnit }, { engineFromEnv }] = await sweepModules();
  engine ??= engineFromEnv();
  const msg = parseUnitMessage(record.body);
  const res = await workUnit(msg, engine, process.env.REPORT_BUCKET || undefined);
  logger.info('unit swept', { sweepId: msg.sweepId, unit: msg.unit, ...res });
  return res;
};

export const setEngine = (e: SweepEngine | undefined): void => {
  engine = e;
};

export const workerHandler = async (event: SQSEvent) => processPartialResponse(event, recordHandler, processor);

export const handler = middy(workerHandler).use(injectLambdaContext(logger));
