import type { ActionResult, RuleContext } from '../contract';
import type { ParamGroupTlsState } from './evaluate';

/** The service-specific calls the TLS parameter remediation needs (RDS and Redshift differ only here). */
export interface ParamGroupOps {
  /** "instance" or "cluster", for the alert text. */
  noun: string;
  /** Create a custom group of `family` (engine defaults, as the default group holds); no-op when it exists. */
  createGroup(name: string, family: string, description: string): Promise<void>;
  setParam(group: string, param: string, value: string): Promise<void>;
  attach(id: string, group: string): Promise<void>;
}

/** Deterministic custom group name for a family: a re-run finds and reuses it. */
export const tlsGroupName = (family: string): string =>
  `cmk-sentinel-tls-${family}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+/g, '-').replace(/-$/, '').slice(0, 255);

/**
 * Turn the TLS parameter on. A default group cannot be modified: attach a custom copy with
 * TLS on. A custom group shared with others changes only behind the policy gate, and the
 * alert names every database it touches. Never reboots: the operator picks the window.
 */
export const remediateParamGroupTls = async (
  s: ParamGroupTlsState & { family: string }, ops: ParamGroupOps, value: string, ctx: RuleContext,
): Promise<ActionResult> => {
  const param = s.param as string;
  if (s.isDefault) {
    const name = tlsGroupName(s.family);
    await ops.createGroup(name, s.family, `cmk-sentinel: ${s.family} engine defaults with ${param}=${value}`);
    await ops.setParam(name, param, value);
    await ops.attach(s.id, name);
    return {
      changed: true,
      detail: `Default group ${s.group} cannot be modified: created ${name} (engine defaults, ${param}=${value}) and attached it to ${ops.noun} ${s.id}; reboot ${s.id} for the group and TLS enforcement to take effect`,
    };
  }
  const affected = s.groupRef ? s.sharedWith : [s.id, ...s.sharedWith];
  if (affected.length > 1 && !ctx.policy.gates.modifySharedParameterGroups) {
    return {
      changed: false,
      taken: 'REPORT',
      detail: `Group ${s.group} is shared by ${ops.noun}s ${affected.join(', ')}: not changed (policy.gates.modifySharedParameterGroups is off); set ${param}=${value} on it or give each its own group`,
    };
  }
  await ops.setParam(s.group, param, value);
  return {
    changed: true,
    detail: `Set ${param}=${value} on ${s.group}; affects ${ops.noun}s ${affected.join(', ')}, enforced after each one's reboot`,
  };
};
