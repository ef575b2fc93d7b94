import type { EvaluationContext, Finding } from '../rules/contract';

/**
 * A database that enforces TLS through one parameter of its parameter group. Shared by
 * rds-tls (instances) and redshift-tls (clusters): the same judgement, different APIs.
 */
export interface ParamGroupTlsState {
  /** Instance or cluster identifier. */
  id: string;
  region: string;
  engine: string;
  group: string;
  /** A default group cannot be modified: a custom copy must be attached. */
  isDefault: boolean;
  /** The parameter that enforces TLS for this engine; undefined when the engine is not covered. */
  param?: string;
  /** Why the engine is not covered (Aurora: the cluster parameter group; Oracle: an option group). */
  notCovered?: string;
  /** The parameter's value in the group; absent = the engine default (off). */
  value?: string;
  /**
   * `dynamic` parameters take `ApplyMethod: immediate` and apply without a reboot; `static` ones only after one.
   * From DescribeDBParameters / DescribeClusterParameters `ApplyType` where reported, else the engine's documented
   * type.
   */
  applyType?: 'static' | 'dynamic';
  /**
   * Whether the database runs what its group says: RDS `DBParameterGroups[].ParameterApplyStatus`
   * (in-sync | applying | pending-reboot | pending-database-upgrade | failed-to-apply), Redshift
   * `ClusterParameterStatusList[require_ssl].ParameterApplyStatus`, else
   * `ClusterParameterGroups[].ParameterApplyStatus`.
   * Absent = not reported (taken as in-sync).
   */
  applyStatus?: string;
  /** Other instances/clusters attached to the same custom group (for a group reference: all of them). */
  sharedWith: string[];
  /** Group reference: the databases on the group that do not run its values yet, with their status. */
  notApplied?: { id: string; status: string }[];
  /** Modifications the owner queued for the maintenance window (PendingModifiedValues): named before we modify. */
  pendingModifications?: string[];
  /** The reference names the group itself (a parameter-group event), not one database. */
  groupRef?: boolean;
}

const ON = new Set(['1', 'on', 'true']);

export const isOn = (value: string | undefined): boolean => ON.has((value ?? '').trim().toLowerCase());

/**
 * Statuses under which the group's value is what the database enforces. `applying` is a dynamic change AWS is
 * putting in place without a reboot (RDS API reference, DBParameterGroupStatus; Redshift ClusterParameterStatus).
 * Everything else (pending-reboot, apply-deferred, failed-to-apply, apply-error, ...) means it is not enforced:
 * the AWS Config rule rds-sqlserver-encrypted-in-transit likewise requires `in-sync`.
 */
const APPLIED = new Set(['in-sync', 'applying']);

export const isApplied = (status: string | undefined): boolean => status === undefined || APPLIED.has(status);

/** Which parameter forces TLS on an RDS engine, and its documented apply type when DescribeDBParameters does not say.
 * */
export const rdsTlsParam = (
  engine: string,
): { param?: string; notCovered?: string; applyType?: 'static' | 'dynamic' } => {
  const e = engine.toLowerCase();
  if (e.startsWith('aurora'))
    return { notCovered: 'Aurora enforces TLS in the cluster parameter group, not the instance one' };
  // RDS for PostgreSQL: rds.force_ssl is dynamic in current versions (its ApplyType is read when AWS reports it; a
  // static one is retried with pending-reboot). SQL Server: "rds.force_ssl ... static", reboot required.
  if (e === 'postgres') return { param: 'rds.force_ssl', applyType: 'dynamic' };
  if (e.startsWith('sqlserver')) return { param: 'rds.force_ssl', applyType: 'static' };
  // RDS User Guide, "Requiring SSL/TLS for all connections to a MySQL DB instance": "You don't need to reboot".
  if (e === 'mysql' || e === 'mariadb') return { param: 'require_secure_transport', applyType: 'dynamic' };
  return { notCovered: `${engine} enforces TLS outside the parameter group (option group or client settings)` };
};

/** The sentence every "not enforced until a reboot" verdict and action ends with. */
export const rebootAdvice = (ids: string[], noun: string): string =>
  `reboot ${noun}${ids.length > 1 ? 's' : ''} ${ids.join(', ')} in a window you choose (cmk-sentinel never reboots); until then clients may still connect without TLS`;

/** Pure: the group attached to the database has the TLS parameter on, and the database runs it. */
export const evaluateParamGroupTls = (s: ParamGroupTlsState, _ctx?: EvaluationContext, noun = 'instance'): Finding => {
  if (!s.param)
    return {
      status: 'NOT_APPLICABLE',
      reason: 'ENGINE_NOT_COVERED',
      detail: `${s.id} (${s.engine}): ${s.notCovered ?? 'engine not covered'}`,
    };
  if (s.groupRef && s.sharedWith.length === 0)
    return { status: 'NOT_APPLICABLE', reason: 'UNUSED_GROUP', detail: `No database uses parameter group ${s.group}` };
  if (isOn(s.value)) {
    if (s.groupRef) {
      const waiting = s.notApplied ?? [];
      if (waiting.length === 0) return { status: 'COMPLIANT' };
      return {
        status: 'NON_COMPLIANT',
        reason: 'PENDING_REBOOT',
        detail: `Parameter group ${s.group} has ${s.param}=${s.value}, but ${waiting.map((w) => `${w.id} (${w.status})`).join(', ')} do not run it yet: ${rebootAdvice(
          waiting.map((w) => w.id),
          noun,
        )}`,
      };
    }
    if (isApplied(s.applyStatus)) return { status: 'COMPLIANT' };
    return {
      status: 'NON_COMPLIANT',
      reason: 'PENDING_REBOOT',
      detail: `${s.id} (${s.engine}) is on ${s.group} with ${s.param}=${s.value}, but its parameter status is ${s.applyStatus}: ${rebootAdvice([s.id], noun)}`,
    };
  }
  if (s.groupRef) {
    return {
      status: 'NON_COMPLIANT',
      reason: 'NO_TLS',
      detail: `Parameter group ${s.group}, used by ${s.sharedWith.join(', ')}, has ${s.param} ${s.value ?? 'unset (off)'}: clients may connect without TLS`,
    };
  }
  const kind = s.isDefault
    ? 'default parameter group'
    : s.sharedWith.length
      ? `custom parameter group shared with ${s.sharedWith.join(', ')}`
      : 'custom parameter group';
  return {
    status: 'NON_COMPLIANT',
    reason: 'NO_TLS',
    detail: `${s.id} (${s.engine}) uses the ${kind} ${s.group}, where ${s.param} is ${s.value ?? 'unset (off)'}: clients may connect without TLS`,
  };
};
