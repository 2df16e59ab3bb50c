/**
 * Activity options named by intent, defined once (house style). Terminal
 * errors are raised by activities as non-retryable ApplicationFailures with a
 * stable type; everything else is retried with backoff.
 */
import type { ActivityOptions } from '@temporalio/workflow';

/** A read or write of the project's store: quick, idempotent, retried. */
export const storeCall: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
    nonRetryableErrorTypes: ['NotFound', 'InvalidInput'],
  },
};
