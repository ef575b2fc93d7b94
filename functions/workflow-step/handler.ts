import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger } from '../../shared/logger';
import { route } from '../../shared/workflows/step-entry';

// Steps of the RDS re-encryption state machine, its end events and switchover decisions: shared/workflows/step-entry.
export const handler = middy(route).use(injectLambdaContext(logger));
