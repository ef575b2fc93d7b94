import { isObj } from '../../json';

/**
 * Redshift sends no EventBridge event when an encryption change completes: the only events it sends directly are
 * "Redshift Integration Monitoring/Configuration/Operation" (EventBridge events reference, Amazon Redshift), and the
 * migration itself makes no CloudTrail call. So a schedule (serverless.yml: rate(15 minutes), this constant input)
 * re-checks exactly the clusters whose snapshot copy the service suspended; each is judged like any event's resource,
 * and turned back on once it reports the CMK. Clusters still migrating come back UNCHANGED: no alert every 15 minutes.
 */
export const RECHECK_EVENT = {
  source: 'cmk-sentinel',
  'detail-type': 'Scheduled Recheck',
  detail: { type: 'redshift-cluster', tag: 'cmk-sentinel:suspended-snapshot-copy' },
} as const;

export const isRecheckEvent = (e: unknown): boolean =>
  isObj(e) && e.source === RECHECK_EVENT.source && e['detail-type'] === RECHECK_EVENT['detail-type'];
