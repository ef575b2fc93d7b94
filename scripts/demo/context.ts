import type { ClientFactory } from '../../shared/aws/clients';
import type { PipelineDeps } from '../../shared/pipeline/context';
import type { ResourceType } from '../../shared/rules/type-ids';
import type { LocalWorkflowDriver } from '../../shared/workflows/local-driver';

/** What every demo part gets: clients on the emulator, the pipeline, the CMKs, and a printer. */
export interface DemoContext {
  clients: ClientFactory;
  /** The pipeline, with `workflows` = the in-process driver (every part may start an RDS re-encryption). */
  deps: PipelineDeps;
  workflows: LocalWorkflowDriver;
  regions: readonly [string, string];
  /** Regional CMKs (alias/data-platform) created by the demo. */
  cmks: Record<string, { arn: string; keyId: string }>;
  /** Readable names for key ARNs, used when printing. */
  keyNames: Record<string, string>;
  print(text: string): void;
}

/** One section of the demo: builds its drifted estate, feeds the events, prints before/after. */
export interface DemoPart {
  title: string;
  /**
   * The types whose drift this part stages and acts on (the no-loop test holds every one to it). A new type needs no
   * part: its own integration test covers it; a part is for what the demo should show.
   */
  covers: readonly ResourceType[];
  /** Returns how many resources it expected to be fixed or quarantined and how many were. */
  run(ctx: DemoContext): Promise<{ expected: number; done: number }>;
}

/** The demo remediates every type; the shipped policy.yaml only reports (a fresh deployment changes nothing). */
export { DEMO_POLICY_PATH } from '../../testbed/demo-policy';
