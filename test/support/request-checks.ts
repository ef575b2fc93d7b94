import { writeFileSync } from 'node:fs';
import { checkRequests } from '../../testbed/request-audit';
import { recordRequests } from '../../testbed/requests';

// Every integration suite (jest `setupFilesAfterEnv`): record, then fail the suite on any problem, naming it.
const testPath = expect.getState().testPath ?? '';
if (/[/\\]test[/\\]integration[/\\]/.test(testPath)) {
  const recorder = recordRequests();
  afterAll(() => {
    recorder.stop();
    const ops = new Set(recorder.requests.map((r) => `${r.client} ${r.operation}`));
    const problems = checkRequests(recorder.requests);
    const own = recorder.requests.filter((r) => r.as !== 'setup' && r.as !== 'operator').length;
    console.info(
      `[figures] requests: ${recorder.requests.length} recorded (${ops.size} operations), all validated against the AWS model; ${own} sent by the service's functions, authorized against their packaged roles; ${problems.length} problems`,
    );
    if (process.env.CMK_SENTINEL_REQUEST_DUMP)
      writeFileSync(
        process.env.CMK_SENTINEL_REQUEST_DUMP,
        JSON.stringify(
          recorder.requests.map(({ input: _i, ...r }) => r),
          null,
          1,
        ),
      );
    if (problems.length > 0)
      throw new Error(`AWS would refuse requests of this suite (${problems.length}):\n${problems.join('\n')}`);
  });
}
