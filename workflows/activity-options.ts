/**
 * Activity options named by intent, defined once (house style). Terminal
 * errors are raised by activities as non-retryable ApplicationFailures with a
 * stable type; everything else is retried with backoff.
 */
import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';

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

/**
 * A long call to a market-data venue that pages and heartbeats its cursor (a
 * backfill chunk). A silent worker is given up on after the heartbeat timeout
 * and the retry resumes from the last heartbeated cursor. Venue outages and
 * rate limits are retried with backoff; a rejected request (bad symbol,
 * unknown node) is not. Cancellation waits for the activity to stop, so a
 * canceled backfill writes nothing afterwards.
 */
export const venueCall: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 12,
    nonRetryableErrorTypes: ['VenueRejected', 'NotFound', 'InvalidInput'],
  },
};
