/**
 * Reconciliation at worker start (SPEC §8): every venue account that has
 * order or account workflows running, or a seeded simulated account, gets
 * its `reconcile:{venue}:{account}` workflow started — or, when it runs
 * already, a `now` signal — in one signalWithStart each. A worker that
 * serves qmtl-exec calls it once it polls; failures are logged, never fatal.
 */
import type { Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { modeOfVenue } from '../activities/order-start';
import type { Store } from '../activities/store/port';
import { DEFAULT_VENUE_ACCOUNT } from '../activities/venues/port';
import { orderQuery } from '../workflows/order-messages';
import { reconcileNowSignal, reconcileWorkflowId, type ReconcileWorkflowInput } from '../workflows/reconcile';
import { QmtlVenue } from '../workflows/search-attributes';
import { EXEC_QUEUE } from '../workflows/task-queues';
import type { QmtlConfig } from './config';
import type { Logger } from './logger';

export interface VenueAccountRef {
  venue: string;
  account: string;
}

const ACCOUNT_ID = /^account:([^:]+):(.+)$/;

/** Venue accounts to reconcile, sorted and without duplicates. */
export async function reconcileTargets(client: Client, store: Store): Promise<VenueAccountRef[]> {
  const found = new Map<string, VenueAccountRef>();
  const add = (venue: string, account: string) => found.set(`${venue}:${account}`, { venue, account });
  for await (const run of client.workflow.list({
    query: "WorkflowType='accountWorkflow' AND ExecutionStatus='Running'",
  })) {
    const [, venue, account] = ACCOUNT_ID.exec(run.workflowId) ?? [];
    if (venue && account) add(venue, account);
  }
  for await (const run of client.workflow.list({
    query: "WorkflowType='orderWorkflow' AND ExecutionStatus='Running'",
  })) {
    // An adopted order may have no account workflow; its own input names the account.
    const view = await client.workflow
      .getHandle(run.workflowId)
      .query(orderQuery)
      .catch(() => undefined);
    if (view) add(view.input.venue, view.input.account);
  }
  const simBalances = await store.simBook.balances(DEFAULT_VENUE_ACCOUNT);
  if (Object.keys(simBalances).length > 0) add('sim', DEFAULT_VENUE_ACCOUNT);
  return [...found.values()].sort((a, b) =>
    `${a.venue}:${a.account}`.localeCompare(`${b.venue}:${b.account}`),
  );
}

/** Starts or wakes one reconciler; the input only matters when it starts. */
export async function startReconciler(
  client: Client,
  target: VenueAccountRef,
  config: Pick<QmtlConfig, 'reconcileIntervalMs' | 'orphanPolicy'>,
): Promise<string> {
  const input: ReconcileWorkflowInput = {
    ...target,
    intervalMs: config.reconcileIntervalMs,
    orphanPolicy: config.orphanPolicy,
    mode: modeOfVenue(target.venue),
  };
  const workflowId = reconcileWorkflowId(target.venue, target.account);
  await client.workflow.signalWithStart('reconcileWorkflow', {
    workflowId,
    taskQueue: EXEC_QUEUE,
    args: [input],
    signal: reconcileNowSignal,
    signalArgs: [],
    typedSearchAttributes: new TypedSearchAttributes([{ key: QmtlVenue, value: target.venue }]),
    staticSummary: `Reconcile ${target.venue}/${target.account} every ${config.reconcileIntervalMs / 1000}s (orphans: ${config.orphanPolicy})`,
  });
  return workflowId;
}

/** Every target, one after another; a failing one is logged and the rest still start. */
export async function startReconcilers(options: {
  client: Client;
  store: Store;
  config: Pick<QmtlConfig, 'reconcileIntervalMs' | 'orphanPolicy'>;
  log: Logger;
}): Promise<string[]> {
  const { client, store, config, log } = options;
  const started: string[] = [];
  for (const target of await reconcileTargets(client, store)) {
    try {
      started.push(await startReconciler(client, target, config));
    } catch (err) {
      log.warn({ err, ...target }, 'could not start reconciliation');
    }
  }
  if (started.length > 0) log.info({ reconcilers: started }, 'reconciliation started');
  return started;
}
