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

/**
 * Making sure a run's input history exists (a Seamless fetch with
 * AUTO_BACKFILL): starts or joins the input's backfill and waits for it,
 * heartbeating, so a dead worker is noticed and the retry joins the same
 * backfill. Long (a multi-year backfill takes a while). A failed or canceled
 * backfill, data judged missing, an SLA breach or an input that reads nothing
 * is final.
 */
export const dataEnsure: ActivityOptions = {
  startToCloseTimeout: '12 hours',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [
      'BackfillFailed',
      'BackfillCanceled',
      'DataMissing',
      'SlaViolated',
      'NotFound',
      'InvalidInput',
    ],
  },
};

/**
 * One node's computation (or the backtest simulation) over stored artifacts:
 * CPU-bound, idempotent (outputs are put-if-absent by fingerprint), so a retry
 * after a crash recomputes at most this node. It heartbeats between phases;
 * the heartbeat timeout is how fast a killed worker's node moves elsewhere.
 * A node whose type, params or inputs do not compute never will (E_NODE_*).
 */
export const nodeCompute: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [
      'NotFound',
      'InvalidInput',
      'E_NODE_TYPE_UNKNOWN',
      'E_NODE_PARAMS',
      'E_NODE_INPUTS',
    ],
  },
};

/**
 * A quick message to other workflows through the Temporal client (list,
 * query, signal, start, a cancel update that waits for the venue's answer):
 * idempotent by deterministic ids, trade ids and update ids, so retried freely.
 */
export const workflowMessage: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
    nonRetryableErrorTypes: ['NotFound', 'InvalidInput', 'VenueRejected'],
  },
};

/**
 * Reading an account's state at a venue (open orders, trades, balances):
 * a handful of short calls, retried with backoff through outages and rate
 * limits; a refused request (unknown venue or account) is final.
 */
export const venueRead: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes: ['VenueRejected', 'NotFound', 'InvalidInput'],
  },
};

/**
 * One call to a venue's trading side (submit, look up, cancel, trades,
 * balances): short, so an ambiguous timeout is retried quickly, and safe to
 * retry because the submit looks the client order id up before sending. A
 * refusal by the venue (funds, filters, bad symbol) or a client order id held
 * by a different order is final. When the retries run out the workflow
 * decides (poll again later, look the order up, or reject).
 */
export const venueOrderCall: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 8,
    nonRetryableErrorTypes: ['VenueRejected', 'DuplicateClientOrderId', 'NotFound', 'InvalidInput'],
  },
};

/**
 * Waiting for one order to end: a market order settles in seconds, but the
 * wait is bounded and heartbeated so a lost worker is noticed and the retry
 * simply reads the same order again.
 */
export const orderSettlement: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
    nonRetryableErrorTypes: ['NotFound', 'InvalidInput'],
  },
};
