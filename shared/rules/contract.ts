import type { AwsScope, ClientFactory } from '../aws/clients';
import type { KeyInfo, KeyResolver } from '../kms/key-resolver';
import type { Policy } from '../policy/policy';
import type { PolicyDocument } from '../policy/schema';
import type { WorkflowStarter } from '../workflows/contract';
import type { IamGrant } from './grants';
import type { PlannedAction, RulePlan } from './plan';
import type { ResourceType } from './type-ids';

/** A resource named by an event or a listing: enough to re-read it. */
export interface ResourceRef {
  type: ResourceType;
  account: string;
  region: string;
  id: string;
}

export type ComplianceStatus = 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE';

/** How urgent a finding is: a rule may set it on its finding, the alert carries it. */
export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFO';

/** The verdict of a pure evaluate: non-compliance is data, not an error. */
export interface Finding {
  status: ComplianceStatus;
  /** Stable machine reason: UNENCRYPTED, AWS_MANAGED_KEY, WRONG_KEY, WRONG_REGION_KEY, NO_TLS, ... */
  reason?: string;
  /** One readable sentence for people. */
  detail?: string;
  /** The key as the resource names it (as given) and its canonical ARN when known. */
  observedKey?: string;
  expectedKey?: string;
  /** Overrides the alert severity the action would give (a CMK pending deletion is CRITICAL whatever was done). */
  severity?: Severity;
  /**
   * The resource's own configuration is compliant; only data stored before (S3 objects) is not all
   * re-keyed yet. A remediation that leaves this is INCOMPLETE, not VERIFIED and not a failed verification.
   */
  dataOnly?: boolean;
}

/** Existing data a remediation re-keyed (S3 objects), as data: what was done, skipped by reason, failed. */
export interface DataOutcome {
  /** Items (object versions) put on the CMK by this run. */
  rekeyed: number;
  /** How: `UpdateObjectEncryption` (no data moved) or a copy (unencrypted sources). */
  updated: number;
  copied: number;
  /** Already on the CMK: nothing sent. */
  already: number;
  /** Not touched, by reason, with a count and the first names. */
  skipped: Record<string, { count: number; items: string[] }>;
  /** Failed, with the cause; `failedCount` counts all, `failed` names the first. */
  failedCount: number;
  failed: { item: string; code: string; message: string }[];
  /** Handed to an AWS job (S3 Batch Operations) that has not finished. */
  job?: { id: string; status: string };
  /** AWS API calls the pass sent (bench: calls per object). */
  calls: number;
  /** What the pass could not see or cover, in words (a Batch job's manifest leaves unencrypted objects out). */
  notes?: string[];
}

export interface EvaluationContext {
  region: string;
  /** The regional CMK, resolved before evaluate runs so evaluate stays pure. */
  cmk: KeyInfo;
  policy: Policy;
}

/** What an effectful rule step needs; nothing global. */
export interface RuleContext {
  clients: ClientFactory;
  keys: KeyResolver;
  policy: Policy;
  /** Region/account (and role) the resource lives in. */
  scope: AwsScope;
  /** Where a remediation too long for one Lambda run hands over (Step Functions, or a local driver). */
  workflows?: WorkflowStarter;
  /**
   * Every registered rule, loaded on use, for a rule that looks across types (the key guard counts the CMK's
   * users). Handed in by the context factory: a rule importing the registry, which lists it, would be a cycle.
   */
  allRules?: () => Promise<readonly AnyRule[]>;
}

/**
 * What an action came to, as one tagged union: each kind carries only what applies to it, and the pipeline switches
 * on `kind`. "Cannot" has one form (`CANNOT`), whether a rule's `limits` said so before acting or the rule found out
 * while acting; a failure stays a thrown SentinelError (an error, never a "cannot").
 */
export type ActionVerdict =
  /**
   * Written (or nothing to write: `changed` false, so idempotent re-runs change nothing). The pipeline verifies a
   * remediation with a fresh read; a quarantine verifies itself and says so in `verified`.
   */
  | {
      kind: 'DONE';
      changed: boolean;
      /** Readable account of what was done (or what an operator must do next). */
      detail: string;
      /** Set by quarantine (which verifies itself); remediation is verified by the pipeline. */
      verified?: boolean;
      /**
       * The resource's state as the rule itself re-read it after its last write (every field that decides
       * compliance freshly read, or written by this very action and nothing else): the pipeline evaluates this
       * instead of reading the same fields a second time. Absent = the pipeline re-reads with `describe`.
       */
      verifiedState?: unknown;
      /** Existing data the remediation re-keyed, skipped or failed (S3 objects). */
      data?: DataOutcome;
    }
  /** Handed over or still running in AWS (a workflow, an UPDATING stream, a Batch job): verified later. */
  | { kind: 'PENDING'; changed: boolean; detail: string; data?: DataOutcome }
  /**
   * The compliant data now lives in another resource (same type, account, region) because the original cannot be
   * edited (an EMR configuration copy) or was replaced (a re-keyed snapshot copy): the pipeline verifies
   * `replacement` with a fresh read instead of the original, and an unchanged one is UNCHANGED.
   */
  | { kind: 'REPLACED'; changed: boolean; replacement: string; detail: string; data?: DataOutcome }
  /**
   * Remediation was asked for and cannot apply; the rule quarantined instead (a running cluster that may not be
   * terminated), verifying its own quarantine. The pipeline reports this action instead of the one it asked for.
   */
  | { kind: 'TAKEN_INSTEAD'; action: 'QUARANTINE'; changed: boolean; verified: boolean; detail: string }
  /** Nothing AWS allows (or the service may do) here, e.g. a key policy is never rewritten: reported. */
  | { kind: 'CANNOT'; detail: string };

export type VerdictKind = ActionVerdict['kind'];

/** The verdict of one kind (a helper that can only come to DONE says so in its type). */
export type VerdictOf<K extends VerdictKind> = Extract<ActionVerdict, { kind: K }>;

/**
 * Optional per-rule limits: why remediate and/or quarantine are impossible for this resource.
 * The pipeline falls back remediate → quarantine → report and puts the reason in the action detail.
 */
export interface ActionLimits {
  remediate?: string;
  quarantine?: string;
}

/** A CloudTrail API call that names resources of a type, and where their ids are. */
export interface CloudTrailTrigger {
  eventSource: string;
  eventNames: readonly string[];
  /** Resource ids from the CloudTrail `detail`; [] when the record does not carry one. */
  ids(detail: Record<string, unknown>): string[];
}

/**
 * A non-CloudTrail EventBridge event that names a resource (e.g. `EMR Cluster State Change`):
 * matched on source and detail-type, optionally on `detail.state`.
 */
export interface StateChangeTrigger {
  source: string;
  detailType: string;
  /** Only these values of `detail.state` concern the rule; absent = every state. */
  states?: readonly string[];
  ids(detail: Record<string, unknown>): string[];
}

export interface Permissions {
  read: readonly string[];
  remediate: readonly string[];
  quarantine: readonly string[];
}

export type GateName = keyof PolicyDocument['gates'];

/** What a type checks and does, in words, for `cmk-sentinel rules` and the pipeline's gate notes. */
export interface RuleDoc {
  compliant: string;
  remediate: string;
  quarantine: string;
  /** Destructive steps this type takes only when the policy turns the gate on. */
  gates: readonly GateName[];
}

/**
 * What is known of a type without its implementation: enough to match events, name
 * resources, pace a sweep and check the deployment's IAM. A rule's `meta.ts` exports
 * this and imports no SDK, so the registry and the normaliser load none.
 */
export interface RuleMeta {
  type: ResourceType;
  /** The AWS service whose API limits pace this type in a sweep. */
  service: string;
  cloudTrail: readonly CloudTrailTrigger[];
  /** Service events other than CloudTrail and Config that name the type's resources. */
  stateChange?: readonly StateChangeTrigger[];
  /** AWS Config resource types (AWS::S3::Bucket, ...). */
  configTypes: readonly string[];
  permissions: Permissions;
  /**
   * The IAM statements that grant `permissions`, scoped (shared/rules/grants.ts): the deployment's rule statements
   * (central roles and member role) are generated from these.
   */
  grants: readonly IamGrant[];
  /** Its words (kept in line with the README's table). */
  doc: RuleDoc;
  /** The resource's ARN for alerts and reports. */
  arn(ref: ResourceRef): string;
}

/**
 * One resource type. Adding a type costs a folder implementing this (its metadata in
 * `meta.ts`) and a line in the registry. `evaluate` is pure: no I/O, no clock.
 */
export interface Rule<S = unknown> extends RuleMeta {
  list(ctx: RuleContext): AsyncIterable<string>;
  /** Current state, or undefined when the resource does not exist (any more). */
  describe(ref: ResourceRef, ctx: RuleContext): Promise<S | undefined>;
  evaluate(state: S, ctx: EvaluationContext): Finding;
  /** Tags, read lazily: only a non-compliant resource needs its exemption checked. */
  tags(state: S, ctx: RuleContext): Promise<Record<string, string>>;
  remediate(state: S, finding: Finding, ctx: RuleContext): Promise<ActionVerdict>;
  quarantine(state: S, finding: Finding, ctx: RuleContext): Promise<ActionVerdict>;
  /** Optional, pure: actions AWS does not allow on this resource (e.g. no re-key API). Absent = both possible. */
  limits?(state: S, finding: Finding): ActionLimits;
  /**
   * Pure: the AWS calls `remediate` / `quarantine` would send for this state and finding, in order, with their
   * purpose, gate, downtime and cost (shared/rules/plan.ts). The action sends exactly these (tests hold it to them).
   */
  plan(state: S, finding: Finding, ctx: EvaluationContext, action: PlannedAction): RulePlan;
  /** Optional: how a sweep triages this type from AWS Config's recorded items (shared/backfill/config-inventory.ts). */
  inventory?: ConfigInventory<S>;
}

/** A configuration item as AWS Config recorded it (BatchGetResourceConfig / BatchGetAggregateResourceConfig). */
export interface ConfigItem {
  resourceId: string;
  accountId?: string;
  awsRegion?: string;
  /** configurationItemStatus: OK, ResourceDiscovered, ResourceNotRecorded, ResourceDeleted, ... */
  status?: string;
  capturedAt?: Date;
  /** JSON text, as Config returns it. */
  configuration?: string;
  /** Each value JSON text. */
  supplementaryConfiguration?: Record<string, string>;
}

/**
 * A type whose state AWS Config records. A sweep reads Config's items in batches and re-reads directly only what
 * Config's copy shows non-compliant, cannot tell, or captured too long ago; what it acts on is always re-read.
 */
export interface ConfigInventory<S> {
  /** The AWS Config resource type (one of `configTypes`). */
  configType: string;
  /**
   * Tags that change the verdict, which Config's batch reads leave out ("The API does not return any tags"): a
   * resource carrying one of `keys` is re-read directly. Found with one Resource Groups Tagging API listing.
   */
  verdictTags?: { keys: readonly string[]; taggingType: string; idOf(arn: string): string | undefined };
  /** The state evaluate judges, from the item; undefined = the item cannot tell (the resource is re-read). */
  fromConfig(item: ConfigItem, ref: ResourceRef, ctx: RuleContext): Promise<S | undefined>;
}

/**
 * A rule of any state type: the registry and the pipeline hand a rule's state back
 * only to that same rule, so the state type never escapes.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRule = Rule<any>;
