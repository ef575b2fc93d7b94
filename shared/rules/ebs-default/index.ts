import {
  EC2Client,
  EnableEbsEncryptionByDefaultCommand,
  GetEbsDefaultKmsKeyIdCommand,
  GetEbsEncryptionByDefaultCommand,
  ModifyEbsDefaultKmsKeyIdCommand,
} from '@aws-sdk/client-ec2';
import { translateAwsError } from '../../aws/errors';
import type { Rule, RuleContext } from '../contract';
import { NO_DOWNTIME, type PlanStep, write as planWrite } from '../plan';
import { ebsDefaultLimits, evaluateEbsDefault, type EbsDefaultState } from './evaluate';
import { ebsDefaultMeta } from './meta';

const ec2 = (ctx: RuleContext, region: string): EC2Client => ctx.clients.get(EC2Client, { ...ctx.scope, region });

const send = async <T>(action: string, region: string, call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (e) {
    throw translateAwsError(e, `ec2:${action}`, `EBS defaults ${region}`);
  }
};

const read = async (region: string, ctx: RuleContext): Promise<EbsDefaultState> => {
  const client = ec2(ctx, region);
  const enabled =
    (await send('GetEbsEncryptionByDefault', region, () => client.send(new GetEbsEncryptionByDefaultCommand({}))))
      .EbsEncryptionByDefault === true;
  const keyRef =
    (await send('GetEbsDefaultKmsKeyId', region, () => client.send(new GetEbsDefaultKmsKeyIdCommand({})))).KmsKeyId ||
    undefined;
  // No key reported is the AWS-managed aws/ebs (what ResetEbsDefaultKmsKeyId restores).
  return { region, enabled, keyRef, observedKey: await ctx.keys.observe(keyRef ?? 'alias/aws/ebs', region) };
};

export const ebsDefaultRule: Rule<EbsDefaultState> = {
  ...ebsDefaultMeta,

  // One setting per region: the sweep of a region checks exactly it.
  async *list(ctx) {
    yield ctx.scope.region;
  },

  describe: (ref, ctx) => read(ref.region, ctx),

  evaluate: evaluateEbsDefault,

  // An account setting carries no tags: it cannot be exempted by tag (exempt a region by leaving it out of `regions`).
  tags: async () => ({}),

  limits: ebsDefaultLimits,

  plan(state, _finding, ctx, action) {
    if (action === 'QUARANTINE')
      return { steps: [], downtime: NO_DOWNTIME, cost: [], notes: ['an account-level setting: reported only'] };
    const steps: PlanStep[] = [];
    if (state.observedKey?.info?.arn !== ctx.cmk.arn)
      steps.push(
        planWrite('ec2', 'ModifyEbsDefaultKmsKeyId', { KmsKeyId: ctx.cmk.arn }, 'new volumes default to the CMK'),
      );
    if (!state.enabled)
      steps.push(planWrite('ec2', 'EnableEbsEncryptionByDefault', {}, 'every new volume in the region is encrypted'));
    return {
      steps,
      downtime: NO_DOWNTIME,
      cost: [{ class: 'KMS_REQUESTS', basis: 'per volume created or attached from now on' }],
      notes: [
        'existing volumes keep their encryption; the roles that launch EMR/EC2 instances need use of the CMK, or launches fail',
      ],
    };
  },

  async remediate(state, _finding, ctx) {
    const cmk = await ctx.keys.regionalCmk(state.region);
    const client = ec2(ctx, state.region);
    const done: string[] = [];
    // Key first: once encryption by default is on, every new volume already gets the CMK.
    if (state.observedKey?.info?.arn !== cmk.arn) {
      await send('ModifyEbsDefaultKmsKeyId', state.region, () =>
        client.send(new ModifyEbsDefaultKmsKeyIdCommand({ KmsKeyId: cmk.arn })),
      );
      done.push(`default key set to ${cmk.arn}`);
    }
    if (!state.enabled) {
      await send('EnableEbsEncryptionByDefault', state.region, () =>
        client.send(new EnableEbsEncryptionByDefaultCommand({})),
      );
      done.push('encryption by default turned on');
    }
    // API reference, EnableEbsEncryptionByDefault: "no effect on the encryption status of your existing volumes".
    return {
      kind: 'DONE',
      changed: done.length > 0,
      detail:
        `EBS in ${state.region}: ${done.join(', ') || 'nothing to change'}. Existing volumes keep their encryption; new EMR and EC2 volumes get the CMK, ` +
        "so the roles that launch them (EMR's instance role, Auto Scaling's service-linked role) need the key policy to allow it, or launches fail",
    };
  },

  quarantine: async () => ({
    kind: 'CANNOT',
    detail: 'Reported only: an account-level setting has nothing to quarantine',
  }),
};
