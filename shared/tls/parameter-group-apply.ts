import type { ActionVerdict, EvaluationContext, Finding, RuleContext } from '../rules/contract';
import { NO_DOWNTIME, type PlannedAction, type PlanStep, type RulePlan, write } from '../rules/plan';
import { type ParamGroupTlsState, rebootAdvice } from './parameter-group';

/** The service-specific calls the TLS parameter remediation needs (RDS and Redshift differ only here). */
export interface ParamGroupOps {
  /** "instance" or "cluster", for the alert text. */
  noun: string;
  /** Create a custom group of `family` (engine defaults, as the default group holds); no-op when it exists. */
  createGroup(name: string, family: string, description: string): Promise<void>;
  /**
   * Set the parameter. `immediate` asks for a dynamic apply; an implementation whose service refuses it for a
   * static parameter falls back to `pending-reboot`. Returns the method AWS accepted.
   */
  setParam(
    group: string,
    param: string,
    value: string,
    method: 'immediate' | 'pending-reboot',
  ): Promise<'immediate' | 'pending-reboot'>;
  /** Attach a group: never with ApplyImmediately (a group name applies at once; the owner's queued changes stay
   * queued). */
  attach(id: string, group: string): Promise<void>;
}

/** Deterministic custom group name for a family: a re-run finds and reuses it. */
export const tlsGroupName = (family: string): string =>
  `cmk-sentinel-tls-${family}`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-')
    .replace(/-$/, '')
    .slice(0, 255);

const queuedNote = (s: ParamGroupTlsState): string =>
  s.pendingModifications?.length
    ? `; ${s.id} has changes queued for its maintenance window (${s.pendingModifications.join(', ')}): left queued, not applied by this change`
    : '';

/**
 * Turn the TLS parameter on. A default group cannot be modified: attach a custom copy with TLS on
 * (a newly attached group applies only after a reboot). A custom group shared with others changes
 * only behind the policy gate, and the alert names every database it touches. A dynamic parameter
 * is set with `immediate` and verified by the pipeline; anything that needs a reboot is reported
 * PENDING with the reboot to do. Never reboots: the owner picks the window.
 */
export const remediateParamGroupTls = async (
  s: ParamGroupTlsState & { family: string },
  finding: Finding,
  ops: ParamGroupOps,
  value: string,
  ctx: RuleContext,
): Promise<ActionVerdict> => {
  const param = s.param as string;
  if (finding.reason === 'PENDING_REBOOT') {
    const ids = s.groupRef ? (s.notApplied ?? []).map((w) => w.id) : [s.id];
    return {
      kind: 'CANNOT',
      detail: `${param}=${value} is set on ${s.group} but not in effect: ${rebootAdvice(ids, ops.noun)}`,
    };
  }
  const wanted = s.applyType === 'static' ? 'pending-reboot' : 'immediate';
  if (s.isDefault) {
    const name = tlsGroupName(s.family);
    await ops.createGroup(name, s.family, `cmk-sentinel: ${s.family} engine defaults with ${param}=${value}`);
    await ops.setParam(name, param, value, wanted);
    await ops.attach(s.id, name);
    return {
      kind: 'PENDING',
      changed: true,
      detail:
        `Default group ${s.group} cannot be modified: created ${name} (engine defaults, ${param}=${value}) and attached it to ${ops.noun} ${s.id}; ` +
        `a newly attached group applies only after a reboot: ${rebootAdvice([s.id], ops.noun)}${queuedNote(s)}`,
    };
  }
  const affected = s.groupRef ? s.sharedWith : [s.id, ...s.sharedWith];
  if (affected.length > 1 && !ctx.policy.gates.modifySharedParameterGroups) {
    return {
      kind: 'CANNOT',
      detail: `Group ${s.group} is shared by ${ops.noun}s ${affected.join(', ')}: not changed (policy.gates.modifySharedParameterGroups is off); set ${param}=${value} on it or give each its own group`,
    };
  }
  const applied = await ops.setParam(s.group, param, value, wanted);
  if (applied === 'pending-reboot') {
    return {
      kind: 'PENDING',
      changed: true,
      detail: `Set ${param}=${value} on ${s.group} (a static parameter); affects ${ops.noun}s ${affected.join(', ')}: ${rebootAdvice(affected, ops.noun)}`,
    };
  }
  return {
    kind: 'DONE',
    changed: true,
    detail: `Set ${param}=${value} on ${s.group} with immediate apply (dynamic parameter, no reboot); affects ${ops.noun}s ${affected.join(', ')}`,
  };
};

/** The operations of a ParamGroupOps, by name: what `planParamGroupTls` lists. */
export interface ParamGroupOpNames {
  service: string;
  create: string;
  modify: string;
  /** The service refuses `immediate` for a static parameter and the call is sent again with `pending-reboot`. */
  modifyMayRetry: boolean;
  attach: string;
  groupField: string;
  idField: string;
}

/** The calls of remediateParamGroupTls above, in its order. Pure. */
export const planParamGroupTls = (
  s: ParamGroupTlsState & { family: string },
  finding: Finding,
  names: ParamGroupOpNames,
  value: string,
  noun: string,
  ctx: EvaluationContext,
  action: PlannedAction,
): RulePlan => {
  const none = (why: string): RulePlan => ({ steps: [], downtime: NO_DOWNTIME, cost: [], notes: [why] });
  if (action === 'QUARANTINE') return none(`a ${noun} without enforced TLS is not quarantined: reported only`);
  if (finding.reason === 'PENDING_REBOOT') return none('the parameter is set but waits for a reboot: reported');
  const param = s.param as string;
  const setParam = (group: string): PlanStep[] => [
    write(names.service, names.modify, { [names.groupField]: group, [param]: value }, `set ${param}=${value}`),
    ...(names.modifyMayRetry
      ? [
          write(names.service, names.modify, { [names.groupField]: group, ApplyMethod: 'pending-reboot' }, 'again', {
            times: 'optional',
            when: 'AWS refuses immediate apply (a static parameter)',
          }),
        ]
      : []),
  ];
  const reboot = {
    kind: 'OUTAGE_AT_SWITCHOVER' as const,
    duration: `a reboot of each ${noun} for the setting to apply (the operator schedules it; not done by cmk-sentinel)`,
  };
  const cost = [{ class: 'API_REQUESTS' as const, basis: 'a few control-plane calls' }];
  if (s.isDefault) {
    const name = tlsGroupName(s.family);
    return {
      steps: [
        write(
          names.service,
          names.create,
          { [names.groupField]: name, family: s.family },
          'a custom group (engine defaults)',
        ),
        ...setParam(name),
        write(names.service, names.attach, { [names.idField]: s.id, [names.groupField]: name }, `attach it to ${s.id}`),
      ],
      downtime: reboot,
      cost,
      notes: [`the default group ${s.group} cannot be modified`],
    };
  }
  const affected = s.groupRef ? s.sharedWith : [s.id, ...s.sharedWith];
  if (affected.length > 1 && !ctx.policy.gates.modifySharedParameterGroups)
    return none(
      `group ${s.group} is shared by ${affected.join(', ')}: not changed (gates.modifySharedParameterGroups off)`,
    );
  const steps = setParam(s.group);
  if (affected.length > 1)
    for (const st of steps) if (st.kind === 'call') st.gate = 'gates.modifySharedParameterGroups';
  return {
    steps,
    downtime: s.applyType === 'static' ? reboot : NO_DOWNTIME,
    cost,
    notes: [`affects ${noun}s ${affected.join(', ')}; clients without TLS are refused once it applies`],
  };
};
