import { describeViolation, validateRequest } from './aws-model';
import { recordRequests } from './requests';

/**
 * Every integration suite (jest `setupFilesAfterEnv`): record each request the code sends through the client
 * factory and fail the suite when AWS's model would refuse one (operation, member, rule named). Setup requests
 * are checked too: a fixture AWS would refuse tests nothing.
 */
const testPath = expect.getState().testPath ?? '';
if (/[/\\]test[/\\]integration[/\\]/.test(testPath)) {
  const recorder = recordRequests();
  afterAll(() => {
    recorder.stop();
    const violations = recorder.requests.flatMap((r) => validateRequest(r.client, r.operation, r.input).map((v) => ({ v, as: r.as })));
    const ops = new Set(recorder.requests.map((r) => `${r.client} ${r.operation}`));
    console.info(`[figures] requests: ${recorder.requests.length} recorded (${ops.size} operations), ${recorder.requests.length} validated against the AWS model, ${violations.length} refused`);
    if (process.env.CMK_SENTINEL_REQUEST_DUMP) {
      require('node:fs').writeFileSync(process.env.CMK_SENTINEL_REQUEST_DUMP, JSON.stringify(recorder.requests.map(({ input: _i, ...r }) => r), null, 1)); // eslint-disable-line @typescript-eslint/no-require-imports
    }
    if (violations.length > 0) {
      const lines = [...new Set(violations.map(({ v, as }) => `${describeViolation(v)} [sent by ${as}]`))];
      throw new Error(`AWS would refuse ${violations.length} request(s) of this suite:\n${lines.join('\n')}`);
    }
  });
}
