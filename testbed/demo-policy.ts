import { join } from 'node:path';

/** The remediate policy the demo runs under; tests that need every gate of a remediate run use it too. */
export const DEMO_POLICY_PATH = join(__dirname, 'demo-policy.yaml');
