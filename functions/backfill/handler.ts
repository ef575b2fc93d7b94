import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { fanOut } from '../../shared/backfill/fanout';
import { parseSweepRequest } from '../../shared/backfill/request';
import { backfill, storeFromEnv, sweepDeps } from '../../shared/backfill/run';
import { logger } from '../../shared/logger';

/**
 * Manual invoke: `{ regions?, types?, accounts?, dryRun?, mode?, sweepId? }`. With a
 * queue configured (AWS) it fans out one message per (account, region, type) to the
 * workers; without one it sweeps in-process, exactly as the CLI does.
 */
export const backfillHandler = async (event: unknown) => {
  const req = parseSweepRequest(event);
  const { deps, pacer } = sweepDeps();
  const store = storeFromEnv(deps);
  const queueUrl = process.env.BACKFILL_QUEUE_URL;
  if (queueUrl) return { mode: 'fan-out', ...(await fanOut(req, { deps, store, pacer }, queueUrl)) };
  return { mode: 'in-process', ...(await backfill(req, { deps, pacer, store, reportBucket: process.env.REPORT_BUCKET || undefined })) };
};

export const handler = middy(backfillHandler).use(injectLambdaContext(logger));
