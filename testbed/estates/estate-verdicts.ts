import { CreateDBInstanceCommand, ModifyDBParameterGroupCommand, RDSClient } from '@aws-sdk/client-rds';
import { KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { CreateClusterCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import type { ClientFactory } from '../../shared/aws/clients';
import type { Outcome } from '../../shared/alerts/alert';
import { processEvent } from '../../shared/pipeline/process';
import { RULES } from '../../shared/rules/registry';
import type { DemoPart } from '../../scripts/demo/context';
import { createParameterGroup, rdsEvent, redshiftEvent } from './estate-kms-tls';
import { table } from '../../cli/table';

/**
 * Estate for the honest verdicts (issue 15): TLS that applies at once vs. after a reboot, and a Redshift cluster
 * whose COPY/UNLOAD role may not use the CMK. Used by the demo section below (and free for tests).
 */
export const createTlsPair = async (clients: ClientFactory, region: string, cmkArn: string): Promise<void> => {
  const rds = clients.get(RDSClient, { region });
  // MySQL on its own group with require_secure_transport off: a dynamic parameter, fixed with immediate apply.
  await createParameterGroup(clients, region, 'orders-mysql', 'mysql8.0');
  await rds.send(
    new ModifyDBParameterGroupCommand({
      DBParameterGroupName: 'orders-mysql',
      Parameters: [{ ParameterName: 'require_secure_transport', ParameterValue: '0', ApplyMethod: 'immediate' }],
    }),
  );
  for (const [id, engine, group] of [
    ['orders-mysql', 'mysql', 'orders-mysql'],
    ['ledger-pg', 'postgres', undefined],
  ] as const) {
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: id,
        Engine: engine,
        DBInstanceClass: 'db.t3.micro',
        AllocatedStorage: 20,
        MasterUsername: 'admin_user',
        MasterUserPassword: 'not-a-secret-1',
        // On the CMK already: this pair shows TLS verdicts only, so no own-change event finds encryption drift.
        StorageEncrypted: true,
        KmsKeyId: cmkArn,
        ...(group ? { DBParameterGroupName: group } : {}),
      }),
    );
  }
};

/** A cluster on the CMK whose loader role the CMK's key policy does not name. */
export const createRedshiftWithRole = async (
  clients: ClientFactory,
  region: string,
  cmk: { arn: string; keyId: string },
  role: string,
): Promise<void> => {
  const account = cmk.arn.split(':')[4];
  await clients.get(KMSClient, { region }).send(
    new PutKeyPolicyCommand({
      KeyId: cmk.keyId,
      PolicyName: 'default',
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'Admin',
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${account}:root` },
            Action: 'kms:*',
            Resource: '*',
          },
        ],
      }),
    }),
  );
  await clients.get(RedshiftClient, { region }).send(
    new CreateClusterCommand({
      ClusterIdentifier: 'lake-loader',
      NodeType: 'ra3.xlplus',
      ClusterType: 'single-node',
      MasterUsername: 'admin',
      MasterUserPassword: 'NotASecret1',
      Encrypted: true,
      KmsKeyId: cmk.arn,
      IamRoles: [role],
    }),
  );
};

const verdict = (o: Outcome | undefined): string => (o ? `${o.status}${o.reason ? ` ${o.reason}` : ''}` : '-');

/** Demo section: which TLS fix is in force now and which waits for the owner's reboot; a Redshift role the CMK does not
 * allow. */
export const verdictsDemo: DemoPart = {
  title: 'Honest verdicts: TLS pending reboot, Redshift COPY/UNLOAD role and the CMK',
  covers: [],
  async run(ctx) {
    const [east] = ctx.regions;
    const cmk = ctx.cmks[east] as { arn: string; keyId: string };
    const role = `arn:aws:iam::${cmk.arn.split(':')[4]}:role/lake-loader`;
    await createTlsPair(ctx.clients, east, cmk.arn);
    await createRedshiftWithRole(ctx.clients, east, cmk, role);
    // Only the rules this section is about: the instances' storage and the cluster's TLS are other sections' stories.
    const only = (type: string) => ({ ...ctx.deps, rules: RULES.filter((r) => r.type === type) });
    const tlsOf = async (id: string) =>
      (await processEvent(rdsEvent('CreateDBInstance', { dBInstanceIdentifier: id }, east), only('rds-tls')))
        .outcomes[0];
    const mysql = await tlsOf('orders-mysql');
    const pg = await tlsOf('ledger-pg');
    const rs = (
      await processEvent(
        redshiftEvent('CreateCluster', { clusterIdentifier: 'lake-loader' }, east),
        only('redshift-cluster'),
      )
    ).outcomes[0];
    ctx.print(
      table(
        ['resource', 'finding', 'action', 'what it means'],
        [
          [
            'RDS orders-mysql',
            verdict(mysql),
            `${mysql?.action} ${mysql?.result}`,
            'dynamic parameter set with immediate apply: enforced now',
          ],
          [
            'RDS ledger-pg',
            verdict(pg),
            `${pg?.action} ${pg?.result}`,
            'new group attached: TLS enforced only after the owner reboots',
          ],
          [
            'Redshift lake-loader',
            verdict(rs),
            `${rs?.action} ${rs?.result}`,
            'role missing from the CMK key policy: reported, never rewritten',
          ],
        ],
      ),
    );
    if (pg?.actionDetail) ctx.print(`\nThe RDS alert said: ${pg.actionDetail}.`);
    if (rs?.detail) ctx.print(`The Redshift alert said: ${rs.detail}.`);
    // Fixed now: the MySQL parameter (verified) and the PostgreSQL group (attached, pending its reboot). The role is
    // report-only.
    const done = Number(mysql?.result === 'VERIFIED') + Number(pg?.result === 'PENDING');
    return { expected: 2, done };
  },
};
