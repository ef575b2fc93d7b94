import {
  GetDataCatalogEncryptionSettingsCommand,
  GlueClient,
  PutDataCatalogEncryptionSettingsCommand,
} from '@aws-sdk/client-glue';
import { translateAwsError } from '../../aws/errors';
import type { Rule, RuleContext } from '../contract';
import { NO_DOWNTIME, write as planWrite } from '../plan';
import { evaluateGlueCatalog, glueCatalogLimits, type GlueCatalogState } from './evaluate';
import { glueCatalogMeta } from './meta';

const glue = (ctx: RuleContext, region: string): GlueClient => ctx.clients.get(GlueClient, { ...ctx.scope, region });

const read = async (region: string, ctx: RuleContext): Promise<GlueCatalogState> => {
  let settings;
  try {
    settings = (await glue(ctx, region).send(new GetDataCatalogEncryptionSettingsCommand({})))
      .DataCatalogEncryptionSettings;
  } catch (e) {
    throw translateAwsError(e, 'glue:GetDataCatalogEncryptionSettings', `Glue Data Catalog ${region}`);
  }
  const rest = settings?.EncryptionAtRest;
  const pw = settings?.ConnectionPasswordEncryption;
  const mode = rest?.CatalogEncryptionMode ?? 'DISABLED';
  const passwordsEncrypted = pw?.ReturnConnectionPasswordEncrypted === true && !!pw.AwsKmsKeyId;
  return {
    region,
    mode,
    catalogKeyRef: rest?.SseAwsKmsKeyId || undefined,
    // SSE-KMS with no key id is the AWS-managed aws/glue key.
    catalogKey:
      mode === 'DISABLED' ? undefined : await ctx.keys.observe(rest?.SseAwsKmsKeyId || 'alias/aws/glue', region),
    serviceRole: rest?.CatalogEncryptionServiceRole || undefined,
    passwordsEncrypted,
    passwordKeyRef: pw?.AwsKmsKeyId || undefined,
    passwordKey: passwordsEncrypted ? await ctx.keys.observe(pw?.AwsKmsKeyId, region) : undefined,
  };
};

export const glueCatalogRule: Rule<GlueCatalogState> = {
  ...glueCatalogMeta,

  async *list(ctx) {
    yield ctx.scope.region;
  },

  describe: (ref, ctx) => read(ref.region, ctx),

  evaluate: evaluateGlueCatalog,

  // The Data Catalog carries no tags: it cannot be exempted by tag.
  tags: async () => ({}),

  limits: glueCatalogLimits,

  plan(state, _finding, ctx, action) {
    if (action === 'QUARANTINE')
      return {
        steps: [],
        downtime: NO_DOWNTIME,
        cost: [],
        notes: ['the Data Catalog is an account setting: reported only'],
      };
    const withRole = state.mode === 'SSE-KMS-WITH-SERVICE-ROLE' && state.serviceRole;
    return {
      steps: [
        planWrite(
          'glue',
          'PutDataCatalogEncryptionSettings',
          {
            CatalogEncryptionMode: withRole ? 'SSE-KMS-WITH-SERVICE-ROLE' : 'SSE-KMS',
            SseAwsKmsKeyId: ctx.cmk.arn,
            ConnectionPasswordEncryption: ctx.cmk.arn,
          },
          'catalog metadata and connection passwords encrypted with the CMK from now on',
        ),
      ],
      downtime: NO_DOWNTIME,
      cost: [{ class: 'KMS_REQUESTS', basis: 'per catalog read and write (every reader needs kms:Decrypt)' }],
      notes: ['metadata already written stays as it was until next written; passwords when each connection is updated'],
    };
  },

  async remediate(state, _finding, ctx) {
    const cmk = await ctx.keys.regionalCmk(state.region);
    const withRole = state.mode === 'SSE-KMS-WITH-SERVICE-ROLE' && state.serviceRole;
    try {
      await glue(ctx, state.region).send(
        new PutDataCatalogEncryptionSettingsCommand({
          DataCatalogEncryptionSettings: {
            EncryptionAtRest: withRole
              ? {
                  CatalogEncryptionMode: 'SSE-KMS-WITH-SERVICE-ROLE',
                  SseAwsKmsKeyId: cmk.arn,
                  CatalogEncryptionServiceRole: state.serviceRole,
                }
              : { CatalogEncryptionMode: 'SSE-KMS', SseAwsKmsKeyId: cmk.arn },
            ConnectionPasswordEncryption: { ReturnConnectionPasswordEncrypted: true, AwsKmsKeyId: cmk.arn },
          },
        }),
      );
    } catch (e) {
      throw translateAwsError(e, 'glue:PutDataCatalogEncryptionSettings', `Glue Data Catalog ${state.region}`);
    }
    // Glue developer guide, "Encrypting your Data Catalog": new metadata is encrypted, existing metadata stays as it
    // was; API reference, ConnectionPasswordEncryption: passwords are encrypted "as part of CreateConnection or
    // UpdateConnection".
    return {
      kind: 'DONE',
      changed: true,
      detail:
        `PutDataCatalogEncryptionSettings: metadata SSE-KMS${withRole ? ` through service role ${state.serviceRole}` : ''} and connection passwords with ${cmk.arn}. ` +
        "Metadata already written stays under its old protection until it is next written, and existing connections' passwords are encrypted " +
        'only when each connection is updated; every role that reads the catalog (Athena, EMR, Glue jobs) needs kms:Decrypt on the CMK',
    };
  },

  quarantine: async () => ({ kind: 'CANNOT', detail: 'Reported only: the Data Catalog is an account setting' }),
};
