import { createHash } from 'node:crypto';
import type { RdsKind } from '../../rules/rds-database/evaluate';

export const RDS_REENCRYPT = 'rds-reencrypt';

/** Tags the workflow puts on what it creates, so people and other rules can tell its artefacts. */
export const WORKFLOW_TAG = 'cmk-sentinel:workflow';
export const REENCRYPTED_FROM_TAG = 'cmk-sentinel:reencrypted-from';
/** On a blue database after a Blue/Green switchover (`<id>-old1`): the name it served; no rule re-encrypts it. */
export const RETIRED_BLUE_TAG = 'cmk-sentinel:retired-blue-of';

/** SwitchoverBlueGreenDeployment SwitchoverTimeout: AWS's default, 300 s (30–3600 allowed;
 * API_SwitchoverBlueGreenDeployment). */
export const SWITCHOVER_TIMEOUT_SECONDS = 300;
/** How long a verified green waits for `cmk-sentinel approve|reject`: one day, inside the execution's 2-day
 * TimeoutSeconds. */
export const APPROVAL_TIMEOUT_SECONDS = 86400;

const hash = (s: string, n: number): string => createHash('sha256').update(s).digest('hex').slice(0, n);

/** RDS identifiers: letters, digits, hyphens; at most 63; no double or trailing hyphen. */
const MAX_ID = 63;

const tidy = (s: string): string => s.replace(/-{2,}/g, '-').replace(/-+$/, '');

/** `<id><suffix>`, shortened with a hash of the id when it would pass the limit, so it stays unique and stable. */
export const derivedId = (id: string, suffix: string): string => {
  if (id.length + suffix.length <= MAX_ID) return tidy(`${id}${suffix}`);
  const head = tidy(id.slice(0, MAX_ID - suffix.length - 9));
  return tidy(`${head}-${hash(id, 8)}${suffix}`);
};

/** Every name the workflow creates for one database: deterministic, so re-running a step finds what it made. */
export interface ReencryptNames {
  /** Manual snapshot of the original (unencrypted or on the old key). */
  snapshot: string;
  /** Instance only: that snapshot copied under the CMK. */
  copy: string;
  /** The re-encrypted database. */
  target: string;
  /** Where the original goes at cut-over. */
  retired: string;
  /** Final snapshot of the original before it is deleted (deleteOriginals). */
  final: string;
  /** The Blue/Green deployment's name (BlueGreenDeploymentName: at most 60 characters). */
  blueGreen: string;
}

export const reencryptNames = (id: string): ReencryptNames => ({
  snapshot: derivedId(id, '-cmk-src'),
  copy: derivedId(id, '-cmk-copy'),
  target: derivedId(id, '-cmk'),
  retired: derivedId(id, '-pre-cmk'),
  final: derivedId(id, '-pre-cmk-final'),
  blueGreen: derivedId(id.slice(0, 40), `-cmk-bg${id.length > 40 ? `-${hash(id, 6)}` : ''}`),
});

/** Aurora members of the new cluster are named after the original members. */
export const memberTargetId = (memberId: string): string => derivedId(memberId, '-cmk');

/**
 * Step Functions execution names: at most 80 of [A-Za-z0-9-_], unique per state machine for
 * 90 days. The creation time tells a re-created database of the same name from the old one.
 */
export const executionName = (kind: RdsKind, account: string, id: string, createdAt: number | undefined): string => {
  const raw = `rds-${kind}-${account}-${id}-${createdAt ?? 0}`.replace(/[^A-Za-z0-9_-]/g, '-');
  return raw.length <= 80 ? raw : `${raw.slice(0, 80 - 17)}-${hash(raw, 16)}`;
};
