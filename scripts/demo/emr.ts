import { DescribeClusterCommand, DescribeSecurityConfigurationCommand, EMRClient } from '@aws-sdk/client-emr';
import type { Outcome } from '../../shared/alerts/alert';
import { ruleContext } from '../../shared/pipeline/scope';
import { processEvent } from '../../shared/pipeline/process';
import { compliantCopyName } from '../../shared/emr/compliant-copy';
import { evaluateSecurityConfiguration } from '../../shared/emr/security-configuration';
import { readSecurityConfiguration } from '../../shared/emr/store';
import {
  clusterStateChangeEvent,
  createInstanceProfile,
  createSecurityConfiguration,
  emrConfigurationEvent,
  putKeyUsers,
  runCluster,
  runJobFlowEvent,
  securityConfigurationDoc,
  type SecurityConfigurationSpec,
} from '../../testbed/estates/estate-emr';
import { table } from '../../cli/table';
import type { DemoPart } from './context';

const ACCOUNT = '123456789012';
const outcomeText = (o: Outcome | undefined): [string, string] =>
  o ? [`${o.status}${o.reason ? ` ${o.reason}` : ''}`, `${o.action} ${o.result}`] : ['-', '-'];

export const emrDemo: DemoPart = {
  title: 'EMR security configurations and clusters',
  covers: ['emr-security-configuration', 'emr-cluster'],
  async run(ctx) {
    const [east, west] = ctx.regions;
    const { clients, deps } = ctx;
    const cmk = ctx.cmks[east] as { arn: string; keyId: string };
    const cmkWest = ctx.cmks[west] as { arn: string };
    const emr = clients.get(EMRClient, { region: east });

    // The platform's EC2 instance profile holds a differently named role, which is a key user of the CMK.
    const roleArn = await createInstanceProfile(clients, 'emr-platform-profile', 'emr-platform-ec2');
    await putKeyUsers(clients, east, cmk.keyId, ACCOUNT, [roleArn]);

    const configs: { name: string; spec: SecurityConfigurationSpec; key?: string; drift: string; fix: boolean }[] = [
      { name: 'analytics', spec: { s3: { mode: 'SSE-S3' } }, drift: 'S3 with SSE-S3', fix: true },
      {
        name: 'ml-training',
        spec: { s3: { mode: 'SSE-KMS', key: 'alias/aws/s3' } },
        drift: 'S3 on aws/s3 (AWS-managed)',
        fix: true,
      },
      {
        name: 'legacy-batch',
        spec: { localDisk: { provider: 'Custom' } },
        drift: 'custom local-disk key provider',
        fix: true,
      },
      {
        name: 'scratch',
        spec: { localDisk: { provider: 'AwsKms', key: cmk.arn, ebs: false } },
        drift: 'EBS encryption off',
        fix: true,
      },
      { name: 'eu-copy', spec: {}, key: cmkWest.arn, drift: 'the eu-west-1 CMK', fix: true },
      {
        name: 'no-tls',
        spec: { inTransit: false, tls: false },
        drift: "in transit off, no TLS provider (the policy names the platform's)",
        fix: true,
      },
      {
        name: 'platform-standard',
        spec: {},
        key: 'alias/data-platform',
        drift: 'CMK by alias (compliant)',
        fix: false,
      },
    ];
    for (const c of configs)
      await createSecurityConfiguration(clients, east, c.name, securityConfigurationDoc(c.key ?? cmk.arn, c.spec));

    const configResults: (Outcome | undefined)[] = [];
    for (const c of configs)
      configResults.push((await processEvent(emrConfigurationEvent(c.name, east), deps)).outcomes[0]);
    const ruleCtx = ruleContext(deps, ACCOUNT, east);
    const cmkInfo = await deps.keys.regionalCmk(east);
    const copyState = await Promise.all(
      configs.map(async (c) => {
        const copy = await readSecurityConfiguration(compliantCopyName(c.name, cmkInfo), east, ruleCtx);
        if (!copy) return undefined;
        return {
          name: copy.name,
          compliant:
            evaluateSecurityConfiguration(copy, { region: east, cmk: cmkInfo, policy: deps.policy }).status ===
            'COMPLIANT',
        };
      }),
    );
    ctx.print(
      table(
        ['security configuration', 'drift', 'finding', 'action', 'compliant copy to use'],
        configs.map((c, i) => [
          c.name,
          c.drift,
          ...outcomeText(configResults[i]),
          copyState[i] ? `${copyState[i]?.name}${copyState[i]?.compliant ? '' : ' (NOT compliant)'}` : '-',
        ]),
      ),
    );

    const clusters: {
      name: string;
      config?: string;
      profile: string;
      drift: string;
      via: 'RunJobFlow' | 'StateChange';
      fix: boolean;
    }[] = [
      {
        name: 'etl-nightly',
        config: 'analytics',
        profile: 'emr-platform-profile',
        drift: 'launched with analytics',
        via: 'RunJobFlow',
        fix: true,
      },
      {
        name: 'adhoc',
        profile: 'emr-platform-profile',
        drift: 'no security configuration',
        via: 'StateChange',
        fix: true,
      },
      {
        name: 'reporting',
        config: 'platform-standard',
        profile: 'emr-platform-profile',
        drift: 'compliant',
        via: 'StateChange',
        fix: false,
      },
      {
        name: 'feature-store',
        config: 'platform-standard',
        profile: 'EMR_EC2_DefaultRole',
        drift: 'role not a key user',
        via: 'RunJobFlow',
        fix: false,
      },
    ];
    const ids: string[] = [];
    for (const c of clusters)
      ids.push(
        await runCluster(clients, east, { name: c.name, securityConfiguration: c.config, instanceProfile: c.profile }),
      );
    const clusterResults: (Outcome | undefined)[] = [];
    for (const [i, c] of clusters.entries()) {
      const id = ids[i] as string;
      const event = c.via === 'RunJobFlow' ? runJobFlowEvent(id, east) : clusterStateChangeEvent(id, east);
      clusterResults.push((await processEvent(event, deps)).outcomes[0]);
    }
    const quarantineTag = deps.policy.doc.quarantineTag;
    const after = await Promise.all(
      ids.map(async (id) => {
        const cl = (await emr.send(new DescribeClusterCommand({ ClusterId: id }))).Cluster;
        const tag = cl?.Tags?.find((t) => t.Key === quarantineTag);
        return {
          state: cl?.Status?.State ?? '?',
          tagged: tag !== undefined,
          text: `${cl?.Status?.State ?? '?'}${tag ? `, tagged ${tag.Value}` : ''}`,
        };
      }),
    );
    ctx.print('');
    ctx.print(
      table(
        ['cluster', 'trigger', 'drift', 'finding', 'action', 'after'],
        clusters.map((c, i) => [
          `${c.name} ${ids[i]}`,
          c.via === 'RunJobFlow' ? 'RunJobFlow' : 'State Change STARTING',
          c.drift,
          ...outcomeText(clusterResults[i]),
          after[i]?.text ?? '',
        ]),
      ),
    );
    const advice = clusterResults[0]?.actionDetail;
    if (advice) ctx.print(`\netl-nightly: ${advice}`);

    // Copies must exist and read back compliant; clusters must be tagged (terminateClusters is off in the policy).
    const configDone = configs.filter((c, i) => c.fix && copyState[i]?.compliant).length;
    const clusterDone = clusters.filter((c, i) => c.fix && after[i]?.tagged).length;
    // The originals are kept: a configuration cannot be edited, so none of them may have been deleted.
    for (const c of configs) await emr.send(new DescribeSecurityConfigurationCommand({ Name: c.name }));
    return {
      expected: configs.filter((c) => c.fix).length + clusters.filter((c) => c.fix).length,
      done: configDone + clusterDone,
    };
  },
};
