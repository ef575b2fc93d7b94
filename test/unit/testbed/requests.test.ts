import { join } from 'node:path';
import { attribute } from '../../../testbed/requests';

/**
 * Who sent a request is read from the stack; the recorder's own frame must be skipped wherever the file lives, or
 * every request reads as the test's setup and the role checks of every integration suite check nothing.
 */
const ROOT = join(__dirname, '..', '..', '..');
const RECORDER = require.resolve('../../../testbed/requests');
const at = (fn: string, file: string) => `    at ${fn} (${file}:10:5)`;
const stack = (...frames: string[]) => ['Error', ...frames].join('\n');

describe('request attribution', () => {
  it("a rule's call from the on-change handler is the onChange function's, for that rule", () => {
    expect(
      attribute(
        stack(
          at('record', RECORDER),
          at('send', join(ROOT, 'shared', 'aws', 'clients.ts')),
          at('remediate', join(ROOT, 'shared', 'rules', 's3-bucket', 'index.ts')),
          at('process', join(ROOT, 'shared', 'pipeline', 'process.ts')),
          at('handler', join(ROOT, 'functions', 'on-change', 'handler.ts')),
        ),
      ),
    ).toEqual({ as: 'onChange', rule: 's3-bucket' });
  });

  it('a call made by a test or an estate builder is setup', () => {
    expect(
      attribute(
        stack(
          at('record', RECORDER),
          at('send', join(ROOT, 'shared', 'aws', 'clients.ts')),
          at('createBucket', join(ROOT, 'testbed', 'estates', 'estate.ts')),
        ),
      ),
    ).toEqual({ as: 'setup' });
  });

  it('the CLI is the operator; the backfill worker is recognised by its code', () => {
    expect(attribute(stack(at('record', RECORDER), at('approve', join(ROOT, 'cli', 'approve.ts')))).as).toBe(
      'operator',
    );
    expect(
      attribute(
        stack(
          at('record', RECORDER),
          at('describe', join(ROOT, 'shared', 'rules', 'kinesis-stream', 'index.ts')),
          at('runUnit', join(ROOT, 'shared', 'backfill', 'worker.ts')),
        ),
      ),
    ).toEqual({ as: 'backfillWorker', rule: 'kinesis-stream' });
  });
});
