/**
 * Reconciliation's I/O (SPEC §8): read our side (running order workflows and
 * the account workflow, through Temporal), read the venue's side (open
 * orders, trades, balances), and apply the repairs domain/execution/reconcile
 * decided. Every repair is idempotent — fills dedupe by trade id, adoptions
 * start `order:{clientOrderId}` at most once, cancels of a canceled order are
 * no-ops — and audited under a key stable across retries of one pass.
 */
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  accountTotals,
  countActions,
  type AccountSeen,
  type OrderSeen,
  type ReconcileAction,
  type ReconcileActionKind,
  type VenueAccountSnapshot,
  type VenueOrderSeen,
} from '../domain/execution/reconcile';
import {
  accountQuery,
  accountResyncSignal,
  accountWorkflowId,
  orderFillSignal,
  orderQuery,
  orderSyncSignal,
  orderWorkflowId,
  type TradingMode,
} from '../workflows/order-messages';
import { visibilityOrderDirectory, type OrderDirectory } from './order-directory';
import { startOrderWorkflow, adoptedOrderInput } from './order-start';
import type { Store } from './store/port';
import type { OrderVenueLookup, VenueOrder } from './venues/order-port';

export interface ReconcileActivityDeps {
  store: Store;
  orderVenues: OrderVenueLookup;
  /** Default: the worker's client from the activity context. */
  client?: Client;
  /** Default: Temporal visibility over the client. */
  directory?: OrderDirectory;
  now?: () => number;
}

export interface VenueAccount {
  venue: string;
  account: string;
}

export interface SnapshotRequest extends VenueAccount {
  /** Orders of ours to ask the venue about even when they are no longer open. */
  known: Array<{ clientOrderId: string; symbol: string }>;
}

export interface ApplyRequest extends VenueAccount {
  /** Mode adopted orders run in. */
  mode: TradingMode;
  /** Stable per pass (`reconcile:{venue}:{account}:{runId}:{n}`): the audit's idempotency key prefix. */
  passKey: string;
  actions: ReconcileAction[];
}

export interface ApplyResult {
  applied: Record<ReconcileActionKind, number>;
  /** Actions found moot on a closer look (the workflow exists after all, or has ended). */
  skipped: number;
}

const ACTOR = 'system:reconcile';

export function createReconcileActivities(deps: ReconcileActivityDeps) {
  const now = deps.now ?? Date.now;
  const clientOf = () => deps.client ?? Context.current().client;
  const directoryOf = () => deps.directory ?? visibilityOrderDirectory(clientOf());

  const audit = (key: string, action: string, subject: string, detail: Record<string, unknown>) =>
    deps.store.audit.append({
      eventKey: key,
      at: new Date(now()).toISOString(),
      actor: ACTOR,
      action,
      subject,
      detail,
    });

  return {
    /** The running order workflows of this venue account, each as its `order` query answers. */
    async knownOrders({ venue, account }: VenueAccount): Promise<OrderSeen[]> {
      const client = clientOf();
      const seen: OrderSeen[] = [];
      for (const { workflowId, startedAt } of await directoryOf().runningOrders({ venue })) {
        const view = await client.workflow
          .getHandle(workflowId)
          .query(orderQuery)
          .catch(() => undefined); // ended (or not answering) since listed: the next pass sees it
        if (view === undefined || view.input.account !== account) continue;
        seen.push({
          clientOrderId: view.input.clientOrderId,
          symbol: view.input.symbol,
          state: view.state,
          tradeIds: [...view.fills, ...view.lateFills.map((late) => late.fill)].map((f) => f.tradeId),
          since: startedAt,
        });
      }
      return seen;
    },

    /** The account workflow's currency totals and booked trade ids; undefined when the account has no workflow. */
    async accountBalances({ venue, account }: VenueAccount): Promise<AccountSeen | undefined> {
      try {
        const view = await clientOf()
          .workflow.getHandle(accountWorkflowId(venue, account))
          .query(accountQuery);
        return { totals: accountTotals(view), bookedTradeIds: view.bookedTradeIds };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      }
    },

    /**
     * Balances, open orders, our orders' venue state and trades: ids and decimal strings only.
     * Balances first: trades only accrue, so every trade the balances hold is in the lists read after
     * (domain/execution/reconcile compares balances only when the account has booked all of those).
     */
    async snapshotVenueAccount({ venue, account, known }: SnapshotRequest): Promise<VenueAccountSnapshot> {
      const port = deps.orderVenues.orderVenue(venue, account);
      const balances = Object.fromEntries((await port.fetchBalances()).map((b) => [b.currency, b.total]));
      const orders = new Map((await port.fetchOpenOrders()).map((o) => [o.clientOrderId, seenOf(o)]));
      for (const { clientOrderId, symbol } of known) {
        if (orders.has(clientOrderId)) continue;
        const order = await port.findOrder(symbol, clientOrderId);
        if (order) orders.set(clientOrderId, seenOf(order));
      }
      for (const { clientOrderId } of known) {
        const order = orders.get(clientOrderId);
        if (!order) continue;
        order.trades = (await port.fetchOrderTrades(order.symbol, clientOrderId)).map((t) => ({
          tradeId: t.tradeId,
          qty: t.qty,
          price: t.price,
          fee: t.fee,
          ts: t.ts,
          liquidity: t.liquidity,
        }));
      }
      return { at: now(), orders: [...orders.values()], balances };
    },

    /** Signals, starts and cancels the actions ask for, in order; one audit record each. */
    async applyReconcileActions(request: ApplyRequest): Promise<ApplyResult> {
      const client = clientOf();
      const applied: ReconcileAction[] = [];
      let skipped = 0;
      for (const action of request.actions) {
        const outcome = await applyOne(client, request, action);
        if (outcome === undefined) {
          skipped += 1;
          continue;
        }
        applied.push(action);
        await audit(
          `${request.passKey}:${actionKey(action)}`,
          outcome.action,
          outcome.subject,
          outcome.detail,
        );
      }
      return { applied: countActions(applied), skipped };
    },
  };

  async function applyOne(
    client: Client,
    { venue, account, mode }: ApplyRequest,
    action: ReconcileAction,
  ): Promise<{ action: string; subject: string; detail: Record<string, unknown> } | undefined> {
    switch (action.kind) {
      case 'fill':
      case 'sync': {
        const subject = orderWorkflowId(action.clientOrderId);
        const handle = client.workflow.getHandle(subject);
        const sent = await ignoreNotFound(() =>
          action.kind === 'fill'
            ? handle.signal(orderFillSignal, action.fill)
            : handle.signal(orderSyncSignal),
        );
        if (!sent) return undefined;
        return action.kind === 'fill'
          ? { action: 'reconcile.fill_signalled', subject, detail: { ...action.fill } }
          : { action: 'reconcile.sync_signalled', subject, detail: { reason: action.reason } };
      }
      case 'adopt':
        return adopt(client, { venue, account, mode }, action);
      case 'cancel_orphan': {
        if (await isRunning(client, action.clientOrderId)) return undefined; // listed late: it is ours
        const ended = await deps.orderVenues
          .orderVenue(venue, account)
          .cancelOrder(action.symbol, action.clientOrderId);
        return orphanCanceled(action.clientOrderId, action.foreign, ended.status, 'policy');
      }
      case 'resync_account': {
        const subject = accountWorkflowId(venue, account);
        const { resync } = action;
        const handle = client.workflow.getHandle(subject);
        const sent = await ignoreNotFound(() =>
          resync ? handle.signal(accountResyncSignal, resync) : handle.signal(accountResyncSignal),
        );
        // The account adopts the balances only if it booked nothing since: the record says "asked".
        const detail = { differences: action.differences, ...(resync && { expected: resync.expected }) };
        return sent ? { action: 'reconcile.account_resynced', subject, detail } : undefined;
      }
    }
  }

  /**
   * Starts `order:{clientOrderId}` with adopted=true. The id may be taken: by a
   * running workflow (listed late: nothing to do), or by one that has ended
   * while the venue still works the order — a cancel that never reached the
   * venue — which is then canceled, whatever the policy.
   */
  async function adopt(
    client: Client,
    target: { venue: string; account: string; mode: TradingMode },
    action: Extract<ReconcileAction, { kind: 'adopt' }>,
  ) {
    const { clientOrderId, symbol } = action.order;
    try {
      await startOrderWorkflow(client, adoptedOrderInput(action.order, target));
      return {
        action: 'reconcile.orphan_adopted',
        subject: orderWorkflowId(clientOrderId),
        detail: { ...action.order, foreign: action.foreign },
      };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    if (await isRunning(client, clientOrderId)) return undefined;
    const ended = await deps.orderVenues
      .orderVenue(target.venue, target.account)
      .cancelOrder(symbol, clientOrderId);
    return orphanCanceled(clientOrderId, action.foreign, ended.status, 'workflow_ended');
  }
}

export type ReconcileActivities = ReturnType<typeof createReconcileActivities>;

function orphanCanceled(clientOrderId: string, foreign: boolean, venueStatus: string, why: string) {
  return {
    action: 'reconcile.orphan_canceled',
    subject: orderWorkflowId(clientOrderId),
    detail: { foreign, venueStatus, why },
  };
}

/** What identifies an action within a pass (the audit key's tail). */
function actionKey(action: ReconcileAction): string {
  switch (action.kind) {
    case 'fill':
      return `fill:${action.clientOrderId}:${action.fill.tradeId}`;
    case 'sync':
      return `sync:${action.clientOrderId}`;
    case 'adopt':
      return `adopt:${action.order.clientOrderId}`;
    case 'cancel_orphan':
      return `cancel:${action.clientOrderId}`;
    case 'resync_account':
      return 'resync';
  }
}

function seenOf(order: VenueOrder): VenueOrderSeen {
  return {
    clientOrderId: order.clientOrderId,
    venueOrderId: order.venueOrderId,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    qty: order.qty,
    filledQty: order.filledQty,
    ...(order.limitPrice !== undefined && { limitPrice: order.limitPrice }),
    ...(order.stopPrice !== undefined && { stopPrice: order.stopPrice }),
    status: order.status,
    ts: order.ts,
  };
}

async function isRunning(client: Client, clientOrderId: string): Promise<boolean> {
  try {
    const { status } = await client.workflow.getHandle(orderWorkflowId(clientOrderId)).describe();
    return status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** False when the workflow does not exist (or has ended): a signal has nobody to reach. */
async function ignoreNotFound(send: () => Promise<void>): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}
