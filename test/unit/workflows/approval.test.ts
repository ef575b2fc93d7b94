import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { approveCommand } from '../../../cli/approve';
import { ClientFactory } from '../../../shared/aws/clients';
import {
  decide,
  decisionFromEvent,
  LocalApprovals,
  REJECTED_ERROR,
  StepFunctionsCompleter,
} from '../../../shared/workflows/approval';
import { recordingLog } from '../../support/harness';

const sfn = mockClient(SFNClient);
const clients = () =>
  new ClientFactory({
    endpoint: 'http://127.0.0.1:1',
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  } as never);
beforeEach(() => sfn.reset());

describe('switchover approval', () => {
  it('approve completes the recorded token with SendTaskSuccess (who and when), once', async () => {
    const store = new LocalApprovals();
    await store.record('exec-1', 'token-abc');
    sfn.on(SendTaskSuccessCommand).resolves({});
    const now = new Date('2026-12-01T10:00:00Z');
    expect(
      await decide(
        'exec-1',
        'approve',
        { store, completer: new StepFunctionsCompleter(clients(), 'us-east-1') },
        'alice',
        now,
      ),
    ).toMatchObject({ completed: true });
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input).toEqual({
      taskToken: 'token-abc',
      output: JSON.stringify({ decision: 'APPROVED', by: 'alice', at: now.toISOString() }),
    });
    expect(await store.find('exec-1')).toBeUndefined();
  });

  it('reject fails the task with the Rejected error the workflow reads', async () => {
    const store = new LocalApprovals();
    await store.record('exec-2', 'token-def');
    sfn.on(SendTaskFailureCommand).resolves({});
    await decide('exec-2', 'reject', { store, completer: new StepFunctionsCompleter(clients(), 'us-east-1') }, 'bob');
    expect(sfn.commandCalls(SendTaskFailureCommand)[0]?.args[0].input).toMatchObject({
      taskToken: 'token-def',
      error: REJECTED_ERROR,
      cause: expect.stringMatching(/rejected by bob/),
    });
  });

  it('nothing pending: nothing sent, not completed; a malformed name or event is refused', async () => {
    const store = new LocalApprovals();
    expect(
      await decide('exec-3', 'approve', { store, completer: new StepFunctionsCompleter(clients(), 'us-east-1') }),
    ).toMatchObject({ completed: false });
    expect(sfn.calls()).toHaveLength(0);
    await expect(decide('bad name!', 'approve', { store, completer: store })).rejects.toThrow(
      /not a workflow execution name/,
    );
    await expect(
      decisionFromEvent(
        { execution: 'x', decision: 'maybe' },
        { approvals: store, clients: clients(), log: recordingLog() },
      ),
    ).rejects.toThrow(/approve" \| "reject/);
    await expect(
      decisionFromEvent(
        { execution: 'x', decision: 'approve' },
        { approvals: undefined, clients: clients(), log: recordingLog() },
      ),
    ).rejects.toThrow(/IDEMPOTENCY_TABLE/);
  });

  it('the CLI needs an execution and the approval store', async () => {
    const out: string[] = [];
    expect(await approveCommand('approve', [], (s) => out.push(s), {})).toBe(2);
    expect(out[0]).toMatch(/approve\|reject EXECUTION/);
    await expect(
      approveCommand('approve', ['exec-1'], () => undefined, { AWS_ENDPOINT_URL: 'http://127.0.0.1:1' }),
    ).rejects.toThrow(/IDEMPOTENCY_TABLE is not set/);
  });
});
