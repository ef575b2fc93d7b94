import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import type { Outcome } from '../alerts/alert';
import type { ClientFactory } from '../aws/clients';
import { SentinelError } from '../errors';
import type { ResourceRef } from '../rules/contract';

/** What makes a piece of work the same work: the event and the resource it names. */
export interface OnceKey {
  eventId: string;
  ref: ResourceRef;
}

/** Runs each (event, resource) once; a duplicate delivery gets the first run's outcome back. */
export interface Once {
  run(key: OnceKey, work: () => Promise<Outcome>): Promise<Outcome>;
  /** Lets an in-progress record expire with the invocation, so a timed-out run can be retried. */
  registerLambdaContext?(context: Context): void;
}

/** A failed-but-retryable run must not be stored as done: throwing makes Powertools delete the record. */
class RetryLater extends Error {
  constructor(readonly outcome: Outcome) {
    super('retryable outcome');
  }
}

const failed = (ref: ResourceRef, code: 'DUPLICATE_IN_PROGRESS' | 'AWS_UNAVAILABLE', message: string): Outcome => ({
  ref,
  status: 'ERROR',
  action: 'NONE',
  result: 'FAILED',
  error: { code, message, retryable: true },
});

/**
 * Powertools idempotency over DynamoDB. The DynamoDB client comes from the one
 * client factory, so endpoint, retries and credentials are the service's own
 * (and tests point it at the emulator like everything else).
 */
export class PowertoolsOnce implements Once {
  private readonly config: IdempotencyConfig;
  private readonly idempotent: (key: OnceKey, work: () => Promise<Outcome>) => Promise<Outcome>;

  constructor(clients: ClientFactory, tableName: string, region: string, expiresAfterSeconds = 6 * 3600) {
    const persistenceStore = new DynamoDBPersistenceLayer({
      tableName,
      awsSdkV3Client: clients.get(DynamoDBClient, { region }),
    });
    this.config = new IdempotencyConfig({
      expiresAfterSeconds,
      // The stored outcome comes back marked, so the log line says "duplicate".
      responseHook: (response) => ({ ...(response as object), duplicate: true }),
    });
    // Outside Lambda (CLI, tests) an interrupted run's in-progress record expires after 15 minutes.
    this.config.registerLambdaContext({ getRemainingTimeInMillis: () => 15 * 60_000 } as Context);
    this.idempotent = makeIdempotent(
      async (_key: OnceKey, work: () => Promise<Outcome>): Promise<Outcome> => {
        const outcome = await work();
        if (outcome.error?.retryable) throw new RetryLater(outcome);
        return outcome;
      },
      { persistenceStore, config: this.config, keyPrefix: 'cmk-sentinel.resource', dataIndexArgument: 0 },
    );
  }

  registerLambdaContext(context: Context): void {
    this.config.registerLambdaContext(context);
  }

  async run(key: OnceKey, work: () => Promise<Outcome>): Promise<Outcome> {
    let done: Outcome | undefined;
    // Stored as JSON: no undefined values (DynamoDB marshalling refuses them), no class instances.
    const tracked = async () => (done = JSON.parse(JSON.stringify(await work())) as Outcome);
    try {
      return await this.idempotent(
        {
          eventId: key.eventId,
          ref: { type: key.ref.type, account: key.ref.account, region: key.ref.region, id: key.ref.id },
        },
        tracked,
      );
    } catch (e) {
      if (e instanceof RetryLater) return e.outcome;
      if (e instanceof SentinelError) throw e;
      // The work ran but its record could not be completed: report what was done; a duplicate meanwhile sees
      // "in progress" and is retried later, when re-running is safe because every action is idempotent.
      if (done) return done;
      if (e instanceof IdempotencyAlreadyInProgressError) {
        return failed(
          key.ref,
          'DUPLICATE_IN_PROGRESS',
          'the same event is being handled for this resource right now; retry later',
        );
      }
      // The persistence layer failed (throttled past the retry budget, table missing): retry the event rather than act
      // unguarded.
      return failed(key.ref, 'AWS_UNAVAILABLE', `idempotency store unavailable: ${(e as Error).message.slice(0, 200)}`);
    }
  }
}
