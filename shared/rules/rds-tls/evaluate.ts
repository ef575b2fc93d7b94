import type { EvaluationContext, Finding } from '../contract';

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
  /** Other instances/clusters attached to the same custom group (for a group reference: all of them). */
  sharedWith: string[];
  /** The reference names the group itself (a parameter-group event), not one database. */
  groupRef?: boolean;
}

const ON = new Set(['1', 'on', 'true']);

export const isOn = (value: string | undefined): boolean => ON.has((value ?? '').trim().toLowerCase());

/** Which parameter forces TLS on an RDS engine. */
export const rdsTlsParam = (engine: string): { param?: string; notCovered?: string } => {
  const e = engine.toLowerCase();
  if (e.startsWith('aurora')) return { notCovered: 'Aurora enforces TLS in the cluster parameter group, not the instance one' };
  if (e === 'postgres' || e.startsWith('sqlserver')) return { param: 'rds.force_ssl' };
  if (e === 'mysql' || e === 'mariadb') return { param: 'require_secure_transport' };
  return { notCovered: `${engine} enforces TLS outside the parameter group (option group or client settings)` };
};

/** Pure: the group attached to the database has the TLS parameter on. */
export const evaluateParamGroupTls = (s: ParamGroupTlsState, _ctx?: EvaluationContext): Finding => {
  if (!s.param) return { status: 'NOT_APPLICABLE', reason: 'ENGINE_NOT_COVERED', detail: `${s.id} (${s.engine}): ${s.notCovered ?? 'engine not covered'}` };
  if (s.groupRef && s.sharedWith.length === 0) return { status: 'NOT_APPLICABLE', reason: 'UNUSED_GROUP', detail: `No database uses parameter group ${s.group}` };
  if (isOn(s.value)) return { status: 'COMPLIANT' };
  if (s.groupRef) {
    return { status: 'NON_COMPLIANT', reason: 'NO_TLS', detail: `Parameter group ${s.group}, used by ${s.sharedWith.join(', ')}, has ${s.param} ${s.value ?? 'unset (off)'}: clients may connect without TLS` };
  }
  const kind = s.isDefault ? 'default parameter group' : s.sharedWith.length ? `custom parameter group shared with ${s.sharedWith.join(', ')}` : 'custom parameter group';
  return {
    status: 'NON_COMPLIANT',
    reason: 'NO_TLS',
    detail: `${s.id} (${s.engine}) uses the ${kind} ${s.group}, where ${s.param} is ${s.value ?? 'unset (off)'}: clients may connect without TLS`,
  };
};
