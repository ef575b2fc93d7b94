import { allRedshiftClusters } from '../../aws/redshift';
import { tagRecord } from '../../aws/tags';
import type { TriggerInfo } from '../../events/normalise';
import type { PipelineDeps } from '../../pipeline/context';
import { type EventResult, handleResource } from '../../pipeline/process';
import { scopeFor } from '../../pipeline/scope';
import { SUSPENDED_COPY_TAG } from './evaluate';
import { RECHECK_EVENT } from './recheck-event';

/** The clusters the schedule names (RECHECK_EVENT) through the pipeline, one by one. */
export const recheckSuspendedCopies = async (
  deps: PipelineDeps,
  homeRegion = process.env.AWS_REGION ?? 'us-east-1',
): Promise<EventResult> => {
  const trigger: TriggerInfo = { eventName: 'ScheduledRecheck', source: RECHECK_EVENT.source };
  const accounts = [...new Set([deps.homeAccount ?? '', ...(deps.policy.doc.accounts?.ids ?? [])])];
  const outcomes: EventResult['outcomes'] = [];
  for (const account of accounts) {
    for (const region of deps.policy.regions(homeRegion)) {
      for await (const c of allRedshiftClusters(deps.clients, scopeFor(deps, account, region))) {
        if (!c.ClusterIdentifier || tagRecord(c.Tags)[SUSPENDED_COPY_TAG] === undefined) continue;
        outcomes.push(
          await handleResource({ type: 'redshift-cluster', account, region, id: c.ClusterIdentifier }, trigger, deps),
        );
      }
    }
  }
  return { kind: 'resources', outcomes };
};
