import { z } from 'zod';
import { RESOURCE_TYPES } from '../rules/type-ids';
import { MODES } from './modes';
import { waiversSchema } from '../waivers/schema';
import { isKnownRegion, isRoleRef } from './regions';

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

const mode = z.enum(MODES, { error: () => `expected one of ${MODES.join(' | ')}` });

const region = z
  .string({ error: () => 'expected an AWS region name such as us-east-1' })
  .regex(REGION, { error: (iss) => `expected an AWS region name such as us-east-1 (got "${String(iss.input)}")` })
  .refine(isKnownRegion, {
    error: (iss) => `"${String(iss.input)}" is not an AWS region the SDK knows (e.g. us-east-1, eu-west-1)`,
    abort: true,
  });

/** YAML reads an unquoted 123456789012 as a number (and drops the leading zero of 012345678901): say to quote it. */
const accountId = z
  .string({
    error: (iss) =>
      typeof iss.input === 'number'
        ? `account id ${String(iss.input)} is a YAML number: quote it ("${String(iss.input).padStart(12, '0')}")`
        : 'expected a 12-digit account id in quotes',
  })
  .regex(/^\d{12}$/, { error: (iss) => `expected a 12-digit account id (got "${String(iss.input)}")` });

const keyUser = z
  .string({ error: () => 'expected a role ARN (arn:aws:iam::111122223333:role/name) or a role name' })
  .refine(isRoleRef, {
    error: (iss) =>
      `"${String(iss.input)}" is neither a role ARN (arn:aws:iam::111122223333:role/name) nor a role name ([A-Za-z0-9+=,.@_-], up to 64)`,
  });

const alias = z
  .string({ error: () => 'expected a KMS alias name such as alias/data-platform' })
  .regex(/^alias\/[A-Za-z0-9/_-]+$/, {
    error: (iss) => `expected a KMS alias name starting with "alias/" (got "${String(iss.input)}")`,
  })
  .refine((a) => !a.startsWith('alias/aws/'), {
    error: 'an AWS-managed alias (alias/aws/*) is never a customer-managed key',
  });

const keyArn = z.string({ error: () => 'expected a full KMS key ARN' }).regex(KEY_ARN, {
  error: (iss) =>
    `expected a full KMS key ARN such as arn:aws:kms:us-east-1:111122223333:key/1234abcd-... (got "${String(iss.input)}")`,
});

const gates = z
  .strictObject({
    /** Delete an original (snapshot, replica) after its re-keyed copy is verified. */
    deleteOriginals: z.boolean({ error: () => 'expected true or false' }).default(false),
    /** Swap a verified re-encrypted database in for the original (rename). */
    cutOver: z.boolean({ error: () => 'expected true or false' }).default(false),
    /** Terminate a running cluster launched with a non-compliant configuration. */
    terminateClusters: z.boolean({ error: () => 'expected true or false' }).default(false),
    /** Change a custom parameter group that other clusters share. */
    modifySharedParameterGroups: z.boolean({ error: () => 'expected true or false' }).default(false),
  })
  .default({ deleteOriginals: false, cutOver: false, terminateClusters: false, modifySharedParameterGroups: false });

const typeSettings = z.strictObject({ mode: mode.optional() });

const knownTypes = Object.fromEntries(RESOURCE_TYPES.map((t) => [t, typeSettings.optional()])) as Record<
  (typeof RESOURCE_TYPES)[number],
  z.ZodOptional<typeof typeSettings>
>;

export const policySchema = z.strictObject({
  version: z.literal(1, { error: () => 'expected 1' }).default(1),
  cmk: z
    .strictObject(
      {
        alias: alias.optional(),
        keys: z
          .record(region, keyArn, {
            error: (iss) =>
              iss.code === 'invalid_key' ? 'expected an AWS region name such as us-east-1 as the key' : undefined,
          })
          .optional(),
        /**
         * Member accounts' own CMKs, by account id: `keys` (region → key ARN) and/or `alias` (resolved in that
         * account through its role). A member not listed here uses `cmk.alias` resolved in the member, or a
         * `cmk.keys` ARN of its own account; a key of another account only with `crossAccount: true`.
         */
        accounts: z
          .record(
            z
              .string()
              .regex(/^\d{12}$/, { error: (iss) => `expected a 12-digit account id (got "${String(iss.input)}")` }),
            z
              .strictObject({
                alias: alias.optional(),
                keys: z
                  .record(region, keyArn, {
                    error: (iss) =>
                      iss.code === 'invalid_key'
                        ? 'expected an AWS region name such as us-east-1 as the key'
                        : undefined,
                  })
                  .optional(),
                /** This account's resources may be keyed to a key ARN of another account named in `keys`. */
                crossAccount: z.boolean({ error: () => 'expected true or false' }).default(false),
              })
              .refine((a) => a.alias !== undefined || (a.keys !== undefined && Object.keys(a.keys).length > 0), {
                error: 'expected "alias" and/or "keys" (a region → key ARN map) for the account',
              })
              .refine((a) => Object.entries(a.keys ?? {}).every(([r, arn]) => arn.split(':')[3] === r), {
                error: 'each key ARN in "keys" must be in the region it is listed under',
              }),
            {
              error: (iss) =>
                iss.code === 'invalid_key' ? 'expected a 12-digit account id in quotes as the key' : undefined,
            },
          )
          .optional(),
        /** The CMK's automatic rotation period; KMS accepts 90–2560 days (EnableKeyRotation RotationPeriodInDays).
         * Absent = keep the key's own. */
        rotationPeriodInDays: z
          .number()
          .int()
          .min(90, { error: 'expected 90 to 2560 days' })
          .max(2560, { error: 'expected 90 to 2560 days' })
          .optional(),
      },
      {
        error: (iss) =>
          iss.code === 'unrecognized_keys' ? undefined : 'expected a mapping with "alias" and/or "keys"',
      },
    )
    .refine((c) => c.alias !== undefined || (c.keys !== undefined && Object.keys(c.keys).length > 0), {
      error: 'expected "alias" (the same alias names the CMK in every region) or "keys" (a region → key ARN map)',
    })
    .refine((c) => Object.entries(c.keys ?? {}).every(([r, arn]) => arn.split(':')[3] === r), {
      error: 'each key ARN in "keys" must be in the region it is listed under',
    })
    .superRefine((c, ctx) => {
      // A key of another account is used only where the policy says so in as many words.
      for (const [account, a] of Object.entries(c.accounts ?? {})) {
        for (const [r, arn] of Object.entries(a.keys ?? {})) {
          if (!a.crossAccount && arn.split(':')[4] !== account)
            ctx.addIssue({
              code: 'custom',
              path: ['accounts', account, 'keys', r],
              message: `key ${arn} is in account ${arn.split(':')[4]}, not ${account}: set crossAccount: true for account ${account} to use another account's key`,
            });
        }
      }
    }),
  /** Regions the service covers (backfill, key guard). Defaults to the regions of cmk.keys. */
  regions: z.array(region).min(1, { error: 'expected at least one region' }).optional(),
  mode: mode.default('report'),
  types: z
    .strictObject(knownTypes, {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? `unknown resource type(s) ${iss.keys.map((k) => `"${k}"`).join(', ')}; expected one of ${RESOURCE_TYPES.join(', ')}`
          : 'expected a mapping of resource type to settings',
    })
    .default({}),
  exemptTag: z.string().min(1, { error: 'expected a tag key' }).default('cmk-sentinel:exempt'),
  quarantineTag: z.string().min(1, { error: 'expected a tag key' }).default('cmk-sentinel:quarantine'),
  gates,
  /** log-group: the platform's log groups by name prefix; absent = every log group in the region. */
  logGroups: z
    .strictObject({
      prefixes: z
        .array(z.string().min(1, { error: 'expected a log group name prefix' }))
        .min(1, { error: 'expected at least one prefix' }),
    })
    .optional(),
  /** Roles that must be allowed to use the CMK (checked by the key guard). */
  keyUsers: z.array(keyUser).default([]),
  /**
   * Backfill pacing. `rates`: ceilings in requests/s per account and region, by service (`s3`), class
   * (`s3:write`) or operation (`kms:EnableKey`); the adaptive limiter never goes above them (to leave room for
   * other tools). CMK_SENTINEL_RATES sets the same; where both name a limiter the lower wins. Documented hard
   * limits (RDS 12/s, KMS key-state changes 5/s) are never raised.
   */
  backfill: z
    .strictObject({
      rates: z
        .record(
          z.string().regex(/^[a-z0-9-]+(:[A-Za-z]+)?$/, {
            error: 'expected a service, service:read|write or service:Operation',
          }),
          z.number().positive({ error: 'expected a rate above 0 (requests/s)' }),
        )
        .optional(),
      /**
       * Triage from AWS Config where it records a type (the rule's `inventory`): list with ListDiscoveredResources,
       * read items 100 per BatchGetResourceConfig, re-read directly only what an item shows non-compliant, cannot
       * tell, or captured more than `maxAgeHours` ago. `aggregator`: read through that aggregator instead (its name
       * and region, in the service's own account). Absent = every resource is read directly.
       */
      config: z
        .strictObject({
          enabled: z.boolean({ error: () => 'expected true or false' }).default(true),
          maxAgeHours: z
            .number()
            .positive({ error: 'expected a positive number of hours' })
            .max(24 * 30, { error: 'expected at most 720 hours (30 days)' })
            .default(24),
          aggregator: z
            .strictObject({
              name: z.string().min(1, { error: 'expected the configuration aggregator name' }),
              region,
            })
            .optional(),
        })
        .optional(),
    })
    .optional(),
  /** Existing S3 objects in a bucket the backfill re-keys (optional). */
  objects: z
    .strictObject({
      /** Up to this many objects, copied in place by the sweep; above it, an S3 Batch Operations job. */
      inPlaceMaxObjects: z.number().int().min(0).default(1000),
      /** Role S3 Batch Operations assumes (name in the bucket's account); no role = large buckets are only reported. */
      batchRoleName: z.string().optional(),
      /** Bucket that receives Batch Operations completion reports. */
      batchReportBucket: z.string().optional(),
    })
    .optional(),
  /** EMR settings the service cannot choose for the owner. */
  emr: z
    .strictObject({
      /**
       * The platform's TLS certificate provider for in-transit encryption, copied into a compliant security
       * configuration whose original has in-transit off and names none (EMR Management Guide, security configuration
       * JSON: TLSCertificateConfiguration CertificateProviderType PEM + S3Object zip, or Custom + S3Object jar +
       * CertificateProviderClass). Absent: such a configuration gets no copy, only the alert.
       */
      tlsCertificateProvider: z
        .discriminatedUnion('type', [
          z.strictObject({
            type: z.literal('PEM'),
            s3Object: z
              .string()
              .regex(/^s3:\/\/[^/]+\/.+/, { error: 'expected s3://bucket/key of the PEM certificates zip' }),
          }),
          z.strictObject({
            type: z.literal('Custom'),
            s3Object: z.string().regex(/^s3:\/\/[^/]+\/.+/, { error: 'expected s3://bucket/key of the provider jar' }),
            providerClass: z.string().min(1, { error: "expected the provider's Java class name" }),
          }),
        ])
        .optional(),
    })
    .optional(),
  accounts: z
    .strictObject({
      ids: z.array(accountId).default([]),
      /** Role assumed in each member account, e.g. cmk-sentinel-member. */
      roleName: z.string().default('cmk-sentinel-member'),
      /**
       * Also every ACTIVE account of the organization (Organizations ListAccounts, from the management account or
       * a delegated administrator), or of `ous` and the OUs below them (ListAccountsForParent): a new account is
       * covered without a policy edit.
       */
      organization: z.boolean({ error: () => 'expected true or false' }).default(false),
      ous: z
        .array(
          z.string().regex(/^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/, {
            error: (iss) => `expected an OU id (ou-xxxx-xxxxxxxx) or a root id (r-xxxx) (got "${String(iss.input)}")`,
          }),
        )
        .min(1, { error: 'expected at least one OU id' })
        .optional(),
      /** Never covered, even when listed by the organization or in `ids`. */
      exclude: z.array(accountId).default([]),
    })
    .refine((a) => a.ous === undefined || a.organization, {
      error: '"ous" lists accounts of the organization: set organization: true',
    })
    .default({ ids: [], roleName: 'cmk-sentinel-member', organization: false, exclude: [] }),
  /** Approved, dated exceptions (shared/waivers/); the exemption tag's value must name one of them. */
  waivers: waiversSchema,
  /** Findings in AWS Security Hub (ASFF, BatchImportFindings in each resource's account): shared/securityhub/. */
  securityHub: z
    .strictObject({
      enabled: z.boolean({ error: () => 'expected true or false' }).default(false),
      /** A runbook link for the findings' Remediation.Recommendation.Url. */
      remediationUrl: z.url({ error: 'expected an https URL' }).optional(),
    })
    .default({ enabled: false }),
});

export type PolicyDocument = z.output<typeof policySchema>;
