import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { alertSinkFromEnv } from '../../shared/alerts/publisher';
import type { ClientFactory } from '../../shared/aws/clients';
import { logger } from '../../shared/logger';
import { loadPolicy } from '../../shared/policy/policy';
import { waiverAlerts } from '../../shared/waivers/daily-check';

/**
 * Daily (EventBridge schedule): one alert per waiver of the policy expiring within 14 days, and per expired one.
 * A failed publish fails the run, so the schedule's retry sends it (same ids the same day: subscribers dedupe).
 */
export const checkWaivers = async (env: NodeJS.ProcessEnv = process.env, now = new Date(), given?: ClientFactory) => {
  // The client factory (and its HTTP handler) loads on the first run, not in the init phase.
  const clients: ClientFactory =
    given ??
    (await import('../../shared/aws/clients').then(
      ({ ClientFactory: F, settingsFromEnv }) => new F(settingsFromEnv(env)),
    ));
  const policy = loadPolicy(env);
  const alerts = waiverAlerts(policy, now, env.CMK_SENTINEL_ACCOUNT_ID ?? '', env.AWS_REGION ?? '');
  const sink = alertSinkFromEnv(clients, env);
  for (const a of alerts) await sink.publish(a);
  logger.info('waivers checked', {
    waivers: policy.waivers.length,
    alerts: alerts.map((a) => `${a.reason} ${a.resource.id}`),
  });
  return { waivers: policy.waivers.length, alerts: alerts.length };
};

export const waiverCheckHandler = async () => checkWaivers();

export const handler = middy(waiverCheckHandler).use(injectLambdaContext(logger));
