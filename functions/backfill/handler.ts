import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { parseSweepRequest } from '../../shared/backfill/request';
import { logger } from '../../shared/logger';

/**
 * Manual invoke: `{ regions?, types?, accounts?, dryRun?, mode?, sweepId? }`. With a
 * queue configured (AWS) it fans out one message per (account, region, type) to the
 * workers; without one it sweeps in-process, exactly as the CLI does.
 */
export const backfillHandler = async (event: unknown) => {
  const req = parseSweepRequest(event);
  // The sweep machinery and its clients load only for a request that parsed.
  const [{ fanOut }, { backfill, engineFromEnv }] = await Promise.all([
    import('../../shared/backfill/fanout'),
    import('../../shared/backfill/run'),
  ]);
  const { deps, pacer, store } = engineFromEnv();
  const queueUrl = process.env.BACKFILL_QUEUE_URL;
  if (queueUrl) return { mode: 'fan-out', ...(await fanOut(req, { deps, store, pacer }, queueUrl)) };
  return {
    mode: 'in-process',
    ...(await backfill(req, { deps, pacer, store, reportBucket: process.env.REPORT_BUCKET || undefined })),
  };
};

export const handler = middy(backfillHandler).use(injectLambdaContext(logger));
